"""Online applications for certificates and the council's review desk."""
