FROM python:3.11-slim-bookworm

# Pango and HarfBuzz are what WeasyPrint draws letters with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# matplotlib (the dashboards' charts) keeps its font cache where the unprivileged user may write.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /app
COPY pyproject.toml README.md ./
COPY attendance_site attendance_site
COPY registers registers
COPY absences absences
COPY penalties penalties
COPY reports reports
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && useradd --system --home /app attendance \
    && mkdir -p /app/var/media && chown -R attendance /app/var
USER attendance
EXPOSE 8000
CMD ["gunicorn", "attendance_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
