FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Headless Chromium prints the reports as PDF (reports.services.pdf).
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
ENV CHROMIUM=/usr/bin/chromium
COPY pyproject.toml README.md ./
COPY amn amn
COPY budget budget
COPY goals goals
COPY indicators indicators
COPY reports reports
COPY demo demo
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system app && chown -R app /app
USER app
EXPOSE 8000
# --timeout: a worker is killed after 60 s on one request; every wait inside a request stays
# below it (an upload's reading: UPLOAD_READ_MAX_SECONDS_IN_REQUEST, 20 s; Kolada's calls).
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn amn.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --timeout 60 --access-logfile -"]
