"""Importing a crew's breakdown (Excel, CSV) or screenplay (Fountain, Final Draft) as scenes."""
