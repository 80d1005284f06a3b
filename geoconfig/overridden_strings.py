"""Django's, Django REST framework's and django-leaflet's own words that show
on Cerca's pages, which
locale/es/LC_MESSAGES/django.po translates again: said with "tú" (the site's
register) where Django's Spanish says "usted", with the accents and spelling
django-leaflet's Spanish lacks ("polígono", "línea", "clic").

LOCALE_PATHS come first when Django looks a string up, so our entries win.
Nothing needs these lists at run time: they are here for ``makemessages``,
which keeps only the entries it finds in our sources. Each string is copied
exactly from the library that uses it; geoconfig/tests/test_translations.py
checks that the libraries still have them and that django.po translates them.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO = [
    # django/core/validators.py
    gettext_noop("Enter a valid value."),
    # django/core/validators.py
    gettext_noop("Enter a valid URL."),
    # django/core/validators.py
    gettext_noop("Enter a valid integer."),
    # django/core/validators.py
    gettext_noop("Enter a valid email address."),
    # django/core/validators.py
    gettext_noop("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    # django/core/validators.py
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    # django/core/validators.py
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    # django/core/validators.py
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    # django/core/validators.py
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    # django/core/validators.py
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    # django/forms/fields.py
    gettext_noop("Enter a number."),
    # django/forms/fields.py
    gettext_noop("Enter a whole number."),
    # django/forms/fields.py
    gettext_noop("Enter a valid date."),
    # django/forms/fields.py
    gettext_noop("Enter a valid time."),
    # django/forms/fields.py
    gettext_noop("Enter a valid date/time."),
    # django/forms/fields.py
    gettext_noop("Enter a list of values."),
    # django/forms/fields.py
    gettext_noop("Enter a complete value."),
    # django/forms/fields.py
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    # django/forms/models.py
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    # django/views/csrf.py
    gettext_noop(
        "If you have configured your browser to disable cookies, please "
        "re-enable them, at least for this site, or for “same-origin” requests."
    ),
    # django/views/csrf.py
    gettext_noop(
        "If you have configured your browser to disable “Referer” headers, "
        "please re-enable them, at least for this site, or for HTTPS "
        "connections, or for “same-origin” requests."
    ),
    # django/contrib/auth/forms.py
    gettext_noop("Enter the same password as before, for verification."),
    # django/contrib/auth/forms.py
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both "
        "fields may be case-sensitive."
    ),
    # django/contrib/auth/forms.py
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    # django/contrib/auth/models.py
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    # django/contrib/auth/validators.py
    gettext_noop(
        "Enter a valid username. This value may contain only letters, numbers, "
        "and @/./+/-/_ characters."
    ),
    # django/contrib/auth/validators.py
    gettext_noop(
        "Enter a valid username. This value may contain only unaccented "
        "lowercase a-z and uppercase A-Z letters, numbers, and @/./+/-/_ "
        "characters."
    ),
    # django/contrib/auth/password_validation.py
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    ),
    # django/contrib/auth/password_validation.py
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    ),
    # django/contrib/auth/password_validation.py
    gettext_noop("Your password can’t be too similar to your other personal information."),
    # django/contrib/auth/password_validation.py
    gettext_noop("Your password can’t be a commonly used password."),
    # django/contrib/auth/password_validation.py
    gettext_noop("Your password can’t be entirely numeric."),
    # django/contrib/auth/password_validation.py
    gettext_noop("This password is entirely numeric."),
    # django/contrib/gis/forms/fields.py
    gettext_noop("No geometry value provided."),
]

# django-leaflet's draw toolbar (leaflet/templatetags/leaflet_tags.py).
LEAFLET = [
    gettext_noop("<strong>Error:</strong> shape edges cannot cross!"),
    gettext_noop("Cancel drawing"),
    gettext_noop("Cancel editing, discards all changes."),
    gettext_noop("Click and drag to draw circle."),
    gettext_noop("Click and drag to draw rectangle."),
    gettext_noop("Click cancel to undo changes."),
    gettext_noop("Click first point to close this shape."),
    gettext_noop("Click last point to finish line."),
    gettext_noop("Click map to place marker."),
    gettext_noop("Click on a feature to remove"),
    gettext_noop("Click to continue drawing line."),
    gettext_noop("Click to continue drawing shape."),
    gettext_noop("Click to start drawing line."),
    gettext_noop("Click to start drawing shape."),
    gettext_noop("Delete last point"),
    gettext_noop("Delete last point drawn"),
    gettext_noop("Delete layers"),
    gettext_noop("Drag handles, or marker to edit feature."),
    gettext_noop("Draw a polygon"),
    gettext_noop("Draw a polyline"),
    gettext_noop("Edit layers"),
    gettext_noop("No layers to delete."),
    gettext_noop("No layers to edit."),
    gettext_noop("Release mouse to finish drawing."),
    gettext_noop("Reset view"),
]


# Django REST framework's own words in the API's errors (rest_framework/fields.py,
# validators and permissions), said with "tú" as on the site's forms.
DRF = [
    gettext_noop("A valid integer is required."),
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Datetime has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Duration has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Time has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Ensure that there are no more than {max_decimal_places} decimal places."),
    gettext_noop("Ensure that there are no more than {max_digits} digits in total."),
    gettext_noop(
        "Ensure that there are no more than {max_whole_digits} digits before the decimal point."
    ),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("Ensure this filename has at most {max_length} characters (it has {length})."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop(
        'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'
    ),
    gettext_noop("Enter a valid \"slug\" consisting of letters, numbers, underscores or hyphens."),
    gettext_noop("Enter a valid IPv4 or IPv6 address."),
    gettext_noop("The submitted data was not a file. Check the encoding type on the form."),
    gettext_noop("You do not have permission to perform this action."),
]
