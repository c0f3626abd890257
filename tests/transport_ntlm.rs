//! NtlmTransport against a real NTLM acceptor on loopback.
