"""Forms of the CSV import page: the upload, and the confirmation that carries the checked changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField


class CsvUploadForm(FlaskForm):
    file = FileField(_l("CSV file (from the download above, edited in a spreadsheet)"))


class CsvConfirmForm(FlaskForm):
    #: Only the changed rows as CSV (marketplace.dashboard.bulk.changes_csv); checked again on submit.
    csv = HiddenField()
    #: ImportPlan.token of the preview: if the products changed since, the seller sees a new preview.
    token = HiddenField()
