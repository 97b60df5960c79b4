//! What the operating system says about this process and machine: peak
//! resident memory, the memory available now and whether another process
//! exists (Linux `/proc`). Nothing else in the crate reads `/proc`; on other
//! systems all three are unknown.

/// Peak resident memory of this process in bytes (`VmHWM`), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    kib_field(&std::fs::read_to_string("/proc/self/status").ok()?, "VmHWM:")
}

/// Memory the OS can give this process now (`MemAvailable`), if known.
pub fn available_memory_bytes() -> Option<u64> {
    kib_field(&std::fs::read_to_string("/proc/meminfo").ok()?, "MemAvailable:")
}

/// Whether process `pid` exists, where the system can tell (`/proc`).
pub fn process_alive(pid: u32) -> Option<bool> {
    let proc = std::path::Path::new("/proc");
    proc.join("self").exists().then(|| proc.join(pid.to_string()).exists())
}

/// The value of a `NAME:   123 kB` line, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_kib_field_in_bytes() {
        let status = "Name:\tseqsim\nVmPeak:\t  2048 kB\nVmHWM:\t  1000 kB\n";
        assert_eq!(kib_field(status, "VmHWM:"), Some(1_024_000));
        assert_eq!(kib_field(status, "MemAvailable:"), None);
        assert_eq!(kib_field("VmHWM: lots kB", "VmHWM:"), None);
    }
}
