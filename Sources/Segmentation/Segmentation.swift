// Segmentation: see the module's files.
