"""Media: uploaded images checked by content, re-encoded to WebP, kept behind a storage interface."""

from marketplace.media.images import picture_attrs, process_upload, rendition_url, rendition_widths, srcset
from marketplace.media.storage import LocalStorage, MediaStorage, S3Storage, get_storage

__all__ = [
    "LocalStorage",
    "MediaStorage",
    "S3Storage",
    "get_storage",
    "picture_attrs",
    "process_upload",
    "rendition_url",
    "rendition_widths",
    "srcset",
]
