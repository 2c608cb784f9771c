"""Shim for deep links on a freshly started server (see pages/about.py): hands over to app.py."""

from pages.common import hand_over

if __name__ == "__main__":
    hand_over()
