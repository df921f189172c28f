"""二代身份证 readers: the IdCardReader interface, ID number checks, a keyboard adapter, fakes."""
