"""Files read into the registers, each all or nothing: pupils and marks from CSV (`pupils`,
`marks`, their rows read by `csv_rows` and checked by `field_checks`) and Common Transfer Files
(`ctf`, parsed by `ctf_parse`)."""
