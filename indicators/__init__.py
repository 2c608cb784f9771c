"""The dashboard's core: configuration, store, readers, read model, charts and exports (no Streamlit here)."""

import pandas as pd

# New string columns in Python's own strings, not Arrow's: the read model builds hundreds of small frames (one series
# per indicator, with text columns for periods, RAG and values), and on frames that small pandas 3's Arrow strings
# cost more than they save (the scorecard's read model at national scale: 0.85 CPU-seconds against 1.3). Large
# tables (uploads) are read by DuckDB and pyarrow, which this does not touch, and checking a 100,500-row file takes
# the same time either way (bench/uploads.py).
pd.set_option("mode.string_storage", "python")
