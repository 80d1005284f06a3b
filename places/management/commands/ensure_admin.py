import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD_FILE = settings.BASE_DIR / ".local" / "admin-password"


class Command(BaseCommand):
    help = (
        "Create the development superuser 'admin' if there is no superuser yet, and say how "
        "to sign in. The password is CERCA_ADMIN_PASSWORD, or a random one kept in "
        ".local/admin-password."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = os.environ.get("CERCA_ADMIN_PASSWORD") or secrets.token_urlsafe(
                12
            )
            User.objects.create_superuser("admin", "admin@localhost", password)
            PASSWORD_FILE.parent.mkdir(exist_ok=True)
            PASSWORD_FILE.write_text(password)
            PASSWORD_FILE.chmod(0o600)
        admin = User.objects.filter(username="admin", is_superuser=True).first()
        if (
            admin
            and PASSWORD_FILE.exists()
            and admin.check_password(PASSWORD_FILE.read_text())
        ):
            self.stdout.write(
                f"Admin: sign in as 'admin' with password '{PASSWORD_FILE.read_text()}' "
                "(kept in .local/admin-password)."
            )
        else:
            self.stdout.write(
                "Admin: sign in with your existing superuser, or create one with "
                "'.venv/bin/python manage.py createsuperuser'."
            )
