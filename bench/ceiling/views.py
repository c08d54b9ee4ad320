from django.http import HttpResponse


def hello(request):
    return HttpResponse("Hello from the ceiling.\n", content_type="text/plain")
