"""The portal's pages (run by ``streamlit_app.py``) and their helper modules."""
