"""Flag dependency names one or two edits away from a well-known package (likely typosquats)."""

from __future__ import annotations

from packaging.utils import canonicalize_name

# Widely used PyPI projects (normalized names): the usual targets of typosquatting.
_NAMES = """
aiohttp alembic altair anyio appdirs arrow asyncpg attrs azure-core beautifulsoup4 black bokeh boto3
botocore cachetools certifi cffi chardet charset-normalizer click cloudpickle colorama contourpy
cryptography cycler cython dask dataclasses-json datasets decorator dill distlib django docker
docutils fastapi filelock flake8 flask fsspec gensim gitpython google-api-core google-auth graphviz
greenlet grpcio gunicorn h5py httpx huggingface-hub hypothesis idna imageio importlib-metadata
ipykernel ipython ipywidgets isort jax jinja2 jmespath joblib jsonschema jupyter jupyterlab keras
kiwisolver lightgbm lxml markdown markupsafe matplotlib mypy nbformat networkx nltk numba numpy
oauthlib openai opencv-python openpyxl packaging pandas paramiko pillow pip platformdirs plotly
polars psutil psycopg2 psycopg2-binary pyarrow pyasn1 pycparser pydantic pygments pyjwt pymongo
pyodbc pyopenssl pyparsing pyspark pytest python-dateutil pytorch pytz pyyaml pyzmq redis regex
requests rich s3transfer scikit-image scikit-learn scipy seaborn selenium setuptools shapely six
sqlalchemy statsmodels streamlit sympy tensorflow termcolor toml tomli torch torchvision tornado
tqdm traitlets transformers typer typing-extensions urllib3 uvicorn virtualenv werkzeug wheel
xarray xgboost xlrd pyproj geopandas folium dash langchain tiktoken sentencepiece spacy
"""
WELL_KNOWN = frozenset(_NAMES.split())


def distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], limit)


def lookalike(name: str) -> str | None:
    """The well-known package `name` is suspiciously close to, or None.

    Distance 1 for any name, 2 for names of 8+ characters; separators are ignored
    (`python_dateutil` is `python-dateutil`), a well-known name itself is never flagged.
    """
    norm = canonicalize_name(name)
    if norm in WELL_KNOWN or len(norm) < 4:
        return None
    squashed = norm.replace("-", "")
    best: tuple[int, str] | None = None
    for known in sorted(WELL_KNOWN):
        if squashed == known.replace("-", ""):
            return None
        d = distance(norm, known)
        allowed = 2 if len(known) >= 8 else 1
        if d <= allowed and (best is None or d < best[0]):
            best = (d, known)
    return best[1] if best else None


def flag_typosquats(specs: list[str]) -> dict[str, str]:
    """dependency string -> the well-known package its name resembles, for the suspicious ones only."""
    from runt_tui.env.deps import dep_name

    out: dict[str, str] = {}
    for spec in specs:
        hit = lookalike(dep_name(spec))
        if hit is not None:
            out[spec] = hit
    return out
