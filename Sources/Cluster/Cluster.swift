// Cluster: see the module's files.
