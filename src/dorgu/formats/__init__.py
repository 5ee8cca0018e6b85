"""Safe decoding of untrusted text formats (YAML, bytes to text).  Pure: text in, data out."""
