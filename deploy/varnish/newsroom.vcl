# Varnish 7 in front of Newsroom (Debian: apt-get install varnish varnish-modules).
# How it fits with the site, and how to run and check it: docs/caching.md.
#
# What Varnish keeps is what the site marks public (Cache-Control: public, s-maxage=…), for
# s-maxage, then serves it stale while it fetches a fresh copy (stale-while-revalidate). The
# site names what each page shows in an xkey header and, on every change, sends
#     PURGE /  with  xkey-purge: article-12 list
# which drops every page carrying any of those keys (DJANGO_PURGE_BACKEND=varnish).
vcl 4.1;

import std;
import xkey;

# The site: gunicorn, as in the README (newsroom.wsgi --bind 127.0.0.1:8000).
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 60s;
}

# Who may purge: the machines the site runs on. Add their addresses if they are not this one.
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    unset req.http.X-Cache;  # set by vcl_pass below, never by a client
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "PURGE needs an xkey-purge header"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The editors' desk, and anyone logged in, always see the site itself: their pages are
    # never stored nor served from here. Logged in means a session cookie of the shape the
    # site issues (articles/sessions.py: 24 characters and a 16-character signature); the
    # site checks the signature, and answers a made-up one of that shape from its page cache.
    # Any other sessionid cookie is dropped below with the rest, as the page cache ignores it.
    if (req.url ~ "^/admin(/|$)" || req.http.Authorization
        || req.http.Cookie ~ "(^|;\s*)sessionid=[a-z0-9]{24}[0-9a-f]{16}(;|$)") {
        return (pass);
    }
    # Readers' pages use no other cookie (analytics, consent banners…): drop them so every
    # reader shares one copy.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    # Copies for http:// and https:// (as a TLS proxy in front says) are kept apart; the
    # built-in vcl_hash then adds the URL and the host.
    if (req.http.X-Forwarded-Proto) {
        hash_data(req.http.X-Forwarded-Proto);
    }
}

sub vcl_synth {
    # Purge answers in plain text, for curl and the site's logs.
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}

sub vcl_pass {
    set req.http.X-Cache = "PASS";
}

sub vcl_backend_response {
    # A page the site keeps only until the next scheduled publication says so here, for the
    # edge alone: that lifetime, with no stale period, so the article appears at its time. It
    # is not passed on: it would count down to the publication in front of every reader.
    # The lifetime counts from when the page was made: a page the site's own page cache held
    # for a while says how long in Age (beresp.age), and only the rest is left. (Varnish does
    # the same for s-maxage by itself.) Nothing left: passed on, not kept.
    if (beresp.http.Surrogate-Control ~ "max-age=[0-9]+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s)
            - beresp.age;
        set beresp.grace = 0s;
        unset beresp.http.Surrogate-Control;
        if (beresp.ttl <= 0s) {
            set beresp.ttl = 0s;
            return (deliver);
        }
    }
    # Keep only what the site says may be shared; everything else (previews, forms, pages for
    # editors) goes straight through. Varnish reads the time to keep it from s-maxage and the
    # stale period (grace) from stale-while-revalidate.
    if (beresp.http.Cache-Control !~ "(^|,)\s*public\s*(,|$)" || beresp.http.Set-Cookie
        || beresp.ttl <= 0s) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # After s-maxage and grace, keep the copy a while longer so a refetch can be a 304.
    set beresp.keep = 1h;
    return (deliver);
}

sub vcl_deliver {
    if (req.http.X-Cache == "PASS") {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The keys are for purging; only the machines that purge see them (for checking).
    if (client.ip !~ purgers) {
        unset resp.http.xkey;
        unset resp.http.Surrogate-Key;
    }
}
