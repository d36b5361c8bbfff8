"""Reading each family of official releases into tidy rows (see catalogue.py)."""
