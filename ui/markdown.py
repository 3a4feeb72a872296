"""Showing user or file text through st.markdown without it being read as markup."""
from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def plain(text: object) -> str:
    """Backslash-escape every Markdown/Streamlit directive character, so the text shows verbatim."""
    return _SPECIAL.sub(r"\\\1", str(text))
