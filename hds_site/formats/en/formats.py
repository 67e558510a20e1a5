# English display formats: day before month ("4 December 2026"), 24-hour clock like the German UI
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
# the project's own names (filter ``ldate``)
MEDIUM_DATE_FORMAT = "j M Y"
MEDIUM_DATETIME_FORMAT = "j M Y, H:i"
WEEKDAY_DATE_FORMAT = "D, j M Y"
DAY_TIME_FORMAT = "j M, H:i"
DAY_TIME_SECONDS_FORMAT = "j M, H:i:s"
