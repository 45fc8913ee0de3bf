from registers.imports.pupils import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, pupils_import
from registers.management.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        f"Import pupils, their enrolments and classes from CSV "
        f"(columns {','.join(REQUIRED_COLUMNS)}; optional {','.join(OPTIONAL_COLUMNS)}). "
        "Nothing is saved if any row is wrong."
    )
    required_columns = REQUIRED_COLUMNS
    optional_columns = OPTIONAL_COLUMNS
    service = staticmethod(pupils_import)
