"""Parsing, tables, validation and retrieval indexes over report files.

Nothing heavy is imported here: import the submodules you need.
"""
