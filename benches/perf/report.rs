//! Section 2 of the perf bench: the court report beside decrypting and hashing its images,
//! beside LibreOffice, its size, and its peak memory in a child process. Split from perf.rs.

use super::*;

// ---------------------------------------------------------------------------------------
// 2. Report

pub(super) fn report_section(args: &Args, spec: &Spec) -> Res<()> {
    println!("\n## 2. Court report of the large journal's last year");
    let set = dataset(args, spec)?;
    let (journal, _) = Journal::open(&set.root, Unlock::Passphrase(&passphrase()))?;
    let to = last_day();
    let from = NaiveDate::from_ymd_opt(LAST_DAY.0, 1, 1).ok_or("date")?;
    let scope = Scope {
        from: Some(from),
        to: Some(to),
        ..Scope::default()
    };
    let selection = select(&journal, &scope)?;
    let images: Vec<_> = selection
        .exhibits
        .iter()
        .filter(|e| e.attachment.kind == AttachmentKind::Image)
        .map(|e| e.attachment.clone())
        .collect();
    let image_bytes: u64 = images.iter().map(|a| a.size).sum();
    println!(
        "{} to {}: {} incidents, {} exhibits, {} images ({:.1} MB)",
        from,
        to,
        selection.incidents.len(),
        selection.exhibits.len(),
        images.len(),
        image_bytes as f64 / 1e6
    );
    let (mut floors, mut capped, mut single) = (Vec::new(), Vec::new(), Vec::new());
    let (mut size, mut pages, mut volumes) = (0u64, 0, 0);
    let mut size_one = 0u64;
    for _ in 0..args.reps {
        let (secs, ()) = time(|| {
            for a in &images {
                std::hint::black_box(journal.attachment_bytes(a)?);
            }
            Ok(())
        })?;
        floors.push(secs);
        let mut options = ReportOptions::new(scope.clone());
        let (secs, report) = time(|| Ok(render(&journal, &options)?))?;
        capped.push(secs);
        size = report.volumes.iter().map(|v| v.pdf.len() as u64).sum();
        pages = report.pages;
        volumes = report.volumes.len();
        drop(report);
        options.max_bytes = None;
        let (secs, report) = time(|| Ok(render(&journal, &options)?))?;
        single.push(secs);
        size_one = report.volumes.iter().map(|v| v.pdf.len() as u64).sum();
    }
    let (f, c, s) = (median(floors), median(capped), median(single));
    println!(
        "report: {pages} pages in {volumes} volume(s) at --max-mb 10; median of {}",
        args.reps
    );
    row(
        "report time, --max-mb 10 (default)",
        format!("{:.2} s", c),
        format!("{:.2} s decrypt+hash of its images", f),
        c / f,
        "<= 1.5",
    );
    row(
        "report time, one file",
        format!("{:.2} s", s),
        format!("{:.2} s", f),
        s / f,
        "<= 1.5",
    );
    row(
        "report size, --max-mb 10",
        format!("{:.1} MB", size as f64 / 1e6),
        format!("{:.1} MB of images", image_bytes as f64 / 1e6),
        size as f64 / image_bytes as f64,
        "<= 1.1",
    );
    row(
        "report size, one file",
        format!("{:.1} MB", size_one as f64 / 1e6),
        format!("{:.1} MB of images", image_bytes as f64 / 1e6),
        size_one as f64 / image_bytes as f64,
        "<= 1.1",
    );
    drop(journal);

    let root = set.root.to_str().ok_or("path")?;
    for (label, cap, how) in [
        (
            "--max-mb 10, written a volume at a time",
            "10000000",
            "files",
        ),
        ("--max-mb 10, in memory (packet)", "10000000", "memory"),
        (
            "--max-mb 10, in memory, every picture kept (before)",
            "10000000",
            "memory-all",
        ),
        ("one file, written", "0", "files"),
        ("one file, in memory (packet)", "0", "memory"),
        (
            "one file, in memory, every picture kept (before)",
            "0",
            "memory-all",
        ),
    ] {
        let kv = run_child(
            &set.recovery,
            &["report", root, &from.to_string(), &to.to_string(), cap, how],
        )?;
        let hwm = field(&kv, "hwm_kib")? as u64;
        let vols = field(&kv, "volumes")?;
        let largest = field(&kv, "largest")?;
        row(
            &format!("report peak memory (VmHWM), {label}"),
            mib(hwm),
            format!(
                "{vols} volume(s), largest {:.1} MB, {:.2} s; RSS before {}",
                largest / 1e6,
                field(&kv, "secs")?,
                mib(field(&kv, "rss_before_kib")? as u64)
            ),
            hwm as f64 * 1024.0 / image_bytes as f64,
            "(ratio: peak / image bytes)",
        );
    }
    libreoffice(args, &set, &scope)?;
    Ok(())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// LibreOffice converting one HTML page with the same text and images to PDF.
fn libreoffice(args: &Args, set: &Dataset, scope: &Scope) -> Res<()> {
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|s| Command::new(s).arg("--version").output().is_ok());
    let Some(soffice) = soffice else {
        println!("LibreOffice: not installed (apt-get install libreoffice-writer); skipped");
        return Ok(());
    };
    let dir = args.data.join("libreoffice");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("out"))?;
    let (journal, _) = Journal::open(&set.root, Unlock::RecoveryKey(&set.recovery))?;
    let selection = select(&journal, scope)?;
    let mut html = String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Report</title></head><body>\n<h1>Chronological record of protective order violations</h1>\n");
    let mut image_bytes = 0u64;
    for incident in &selection.incidents {
        html.push_str(&format!(
            "<h2>Incident {} &mdash; {}</h2>\n<p><b>Where:</b> {}</p>\n<p>{}</p>\n",
            incident.number,
            html_escape(&incident.occurred.local),
            html_escape(incident.location.as_deref().unwrap_or("")),
            html_escape(&incident.description)
        ));
        for q in &incident.quotes {
            html.push_str(&format!(
                "<blockquote>&ldquo;{}&rdquo;</blockquote>\n",
                html_escape(q)
            ));
        }
        for w in &incident.witnesses {
            html.push_str(&format!(
                "<p><b>Witness:</b> {}</p>\n",
                html_escape(&w.name)
            ));
        }
        if let Some(p) = &incident.police {
            html.push_str(&format!(
                "<p><b>Police:</b> {}, report {}</p>\n",
                html_escape(&p.agency),
                html_escape(p.report_number.as_deref().unwrap_or(""))
            ));
        }
        for e in selection.exhibits_of(&incident.id) {
            if e.attachment.kind == AttachmentKind::Image {
                let bytes = journal.attachment_bytes(&e.attachment)?;
                image_bytes += bytes.len() as u64;
                let name = format!(
                    "exhibit-{}.{}",
                    e.number,
                    if e.attachment.mime == "image/png" {
                        "png"
                    } else {
                        "jpg"
                    }
                );
                fs::write(dir.join(&name), bytes)?;
                html.push_str(&format!(
                    "<p>{}</p><p><img src=\"{name}\" style=\"max-width:100%\" width=\"400\"></p>\n",
                    html_escape(&e.label)
                ));
            }
        }
    }
    html.push_str("</body></html>\n");
    fs::write(dir.join("report.html"), html)?;
    fs::write(
        dir.join("warmup.html"),
        "<html><body><p>warm up</p></body></html>",
    )?;
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("profile").display()
    );
    let convert = |file: &str| -> Res<f64> {
        let (secs, out) = time(|| {
            Ok(Command::new(soffice)
                .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
                .arg(dir.join("out"))
                .arg(dir.join(file))
                .output()?)
        })?;
        if !out.status.success() {
            return Err(format!("soffice failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(secs)
    };
    convert("warmup.html")?; // first start makes the profile; not timed
    let lo = convert("report.html")?;
    let pdf = dir.join("out").join("report.pdf");
    let lo_size = fs::metadata(&pdf)?.len();
    let pages = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find(|l| l.starts_with("Pages:"))
                .map(|l| l.trim_start_matches("Pages:").trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let mut options = ReportOptions::new(scope.clone());
    options.max_bytes = None;
    let (ours, report) = time(|| Ok(render(&journal, &options)?))?;
    row(
        "report vs LibreOffice (HTML to PDF, same text and images)",
        format!("{ours:.2} s ({} pages)", report.pages),
        format!(
            "{lo:.2} s ({pages} pages, {:.1} MB; {:.1} MB images)",
            lo_size as f64 / 1e6,
            image_bytes as f64 / 1e6
        ),
        lo / ours,
        ">= 10 (peer / ours)",
    );
    let _ = fs::remove_dir_all(&dir);
    Ok(())
}
