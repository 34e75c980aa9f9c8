"""django_core: the Control Tower (Django + Django REST framework on MySQL)."""
