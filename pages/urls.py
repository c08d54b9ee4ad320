from django.urls import path

from . import views

app_name = "pages"

# Under /en/pages/ and /de/pages/: no article, section, tag or author address starts so.
urlpatterns = [
    path("pages/<slug:slug>/", views.PageDetailView.as_view(), name="page-detail"),
    path("preview/pages/<int:pk>/", views.PagePreviewView.as_view(), name="page-preview"),
]
