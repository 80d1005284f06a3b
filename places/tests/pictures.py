"""Pictures made by the tests themselves with Pillow: a phone photo with a
GPS position in its EXIF, plain PNGs, and files that only pretend."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Where the test photo says it was taken: Medellín, in degrees, minutes, seconds.
GPS_LATITUDE = (6.0, 15.0, 3.0)
GPS_LONGITUDE = (75.0, 34.0, 7.0)


def jpeg_with_gps(size=(400, 200), orientation=6):
    """A JPEG like a phone's: left half red, right half blue, stored sideways
    with an EXIF orientation, a camera model and a GPS position."""
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Cerca Phone"
    exif[ExifTags.Base.Model] = "Test Camera 3000"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def picture_bytes(fmt="PNG", size=(300, 200), color="green", mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="300" height="300">'
    b'<script>alert(document.cookie)</script><rect width="300" height="300"/></svg>'
)
