"""Django's PostgreSQL backend with deadlines (base.py); DATABASES' ENGINE on PostgreSQL."""
