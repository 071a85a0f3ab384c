//! Micro-benchmark: does writing packs on a background thread help?
//!
//! Writes `COUNT` blobs of `SIZE` bytes (text-like, compressible, all
//! different) with [`PackWriter`] on the caller's thread and with
//! [`ObjectSink`] (hashing on the caller's thread, compression and I/O on
//! a writer thread), finishing the pack each time. Two producers: data
//! made on the fly (some work on the caller's side, as an importer has),
//! and data made beforehand (the caller only hashes and queues).
//!
//! `cargo run --example pack_pipeline_bench [COUNT [SIZE [ROUNDS]]]`

use std::time::{Duration, Instant};

use cinnabar::store::pack::{ObjectSink, PackWriter};
use cinnabar::store::{ConfigOverrides, Kind, ObjectWrite, Repo, Store, WriteMode};

fn make_blob(seed: u64, size: usize, out: &mut Vec<u8>) {
    const WORDS: [&[u8]; 16] = [
        b"static ",
        b"int ",
        b"ngx_",
        b"return ",
        b"(void) ",
        b"{\n    ",
        b"}\n",
        b"if (",
        b"rc == NGX_OK) ",
        b"buf->pos",
        b" = ",
        b"len;\n",
        b"/* comment */\n",
        b"u_char *p;\n",
        b"0x",
        b"hg2git ",
    ];
    out.clear();
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(WORDS[(x & 15) as usize]);
        if x & 0x300 == 0 {
            out.extend_from_slice(format!("{}", x >> 40).as_bytes());
        }
    }
    out.truncate(size);
}

/// CPU time (user + system) of this process so far, from /proc (Linux).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 1/100 s on Linux.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Busy CPU time of the whole machine so far (all processes), from
/// /proc/stat: to tell whether other processes competed during a run.
fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy = v.first()? + v.get(1)? + v.get(2)? + v.get(5)? + v.get(6)? + v.get(7)?;
    Some(Duration::from_millis(busy * 10))
}

/// Measures a run: wall time, our CPU time, and other processes' CPU time.
struct Meter {
    start: Instant,
    cpu: Option<Duration>,
    busy: Option<Duration>,
}

impl Meter {
    fn start() -> Self {
        Meter {
            start: Instant::now(),
            cpu: cpu_time(),
            busy: machine_busy(),
        }
    }

    fn report(&self, label: &str, bytes_in: usize, pack: u64) -> Duration {
        let wall = self.start.elapsed();
        let ours = match (self.cpu, cpu_time()) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => f64::NAN,
        };
        let all = match (self.busy, machine_busy()) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => f64::NAN,
        };
        println!(
            "{label:<34} {:>6.3} s  cpu {:>5.2} s  others {:>5.2} s  {:>6.1} MB/s  pack {:.1} MB",
            wall.as_secs_f64(),
            ours,
            (all - ours).max(0.0),
            bytes_in as f64 / wall.as_secs_f64() / 1e6,
            pack as f64 / 1e6
        );
        wall
    }
}

fn run(
    label: &str,
    count: usize,
    size: usize,
    pre: Option<&[Vec<u8>]>,
    pipelined: bool,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let objects = dir.path().join("objects");
    let meter = Meter::start();
    let mut buf = Vec::with_capacity(size);
    let path = if pipelined {
        let mut sink = ObjectSink::new(&objects)?;
        for i in 0..count {
            let data = match pre {
                Some(p) => &p[i][..],
                None => {
                    make_blob(i as u64, size, &mut buf);
                    &buf[..]
                }
            };
            sink.write(Kind::Blob, data)?;
        }
        sink.finish()?.ok_or("no pack")?
    } else {
        let mut pack = PackWriter::new(&objects)?;
        for i in 0..count {
            let data = match pre {
                Some(p) => &p[i][..],
                None => {
                    make_blob(i as u64, size, &mut buf);
                    &buf[..]
                }
            };
            pack.write(Kind::Blob, data)?;
        }
        pack.finish()?.ok_or("no pack")?
    };
    Ok(meter.report(label, count * size, std::fs::metadata(path)?.len()))
}

/// The same through [`Store`] (which also asks the repository whether it
/// has each object), in a fresh bare repository.
fn run_store(
    label: &str,
    count: usize,
    size: usize,
    mode: WriteMode,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let repo = Repo::init_bare(dir.path(), ConfigOverrides::new())?;
    let meter = Meter::start();
    let mut store = Store::new(repo, mode);
    let mut buf = Vec::with_capacity(size);
    for i in 0..count {
        make_blob(i as u64, size, &mut buf);
        store.write(Kind::Blob, &buf)?;
    }
    let path = store.finish_pack()?.ok_or("no pack")?;
    Ok(meter.report(label, count * size, std::fs::metadata(path)?.len()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let size: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_240);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
    println!(
        "{count} blobs of {size} bytes ({:.0} MB), {rounds} rounds, {} cores",
        (count * size) as f64 / 1e6,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    // Cost of the producer alone.
    let start = Instant::now();
    let mut buf = Vec::new();
    for i in 0..count {
        make_blob(i as u64, size, &mut buf);
    }
    println!(
        "{:<38} {:>8.3} s",
        "producer only (make data)",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    for i in 0..count {
        make_blob(i as u64, size, &mut buf);
        std::hint::black_box(cinnabar::store::hash_object(Kind::Blob, &buf));
    }
    println!(
        "{:<38} {:>8.3} s",
        "producer + SHA-1",
        start.elapsed().as_secs_f64()
    );

    let pre: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let mut b = Vec::new();
            make_blob(i as u64, size, &mut b);
            b
        })
        .collect();

    for round in 0..rounds {
        println!("round {}", round + 1);
        run("direct, data made on the fly", count, size, None, false)?;
        run("pipelined, data made on the fly", count, size, None, true)?;
        run(
            "direct, data made beforehand",
            count,
            size,
            Some(&pre),
            false,
        )?;
        run(
            "pipelined, data made beforehand",
            count,
            size,
            Some(&pre),
            true,
        )?;
        run_store("Store direct, on the fly", count, size, WriteMode::Direct)?;
        run_store(
            "Store pipelined, on the fly",
            count,
            size,
            WriteMode::pipelined(),
        )?;
    }
    Ok(())
}
