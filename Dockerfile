# The production image: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=organizing.settings

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files (hashed and compressed by whitenoise) and the compiled French catalogue.
# The secret here only lets settings load during the build; it is never used at run time.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --no-input \
    && python scripts/compile_messages.py

# Run as an unprivileged user; uploads (list imports) and beat's schedule live in volumes.
RUN useradd --create-home --uid 1000 organizing \
    && mkdir -p /var/lib/organizing/media /var/lib/organizing/beat \
    && chown -R organizing:organizing /var/lib/organizing
USER organizing

EXPOSE 8000
CMD ["gunicorn", "organizing.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
