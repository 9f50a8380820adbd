"""The Digit Lens window (PySide6 + pyqtgraph): `gui.app.run_app` opens it."""
