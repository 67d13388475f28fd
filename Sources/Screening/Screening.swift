// Screening: see the module's files.
