//! What the person must be asked about a chat export before it is imported, read from the file
//! alone: the app asks it all in one dialog instead of refusing the import question by
//! question, as the CLI's flags do.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::Serialize;

use super::{chat_name, ChatChoices, ChatError, ChatFacts, ChatSource, DateOrder};

/// One sender of a chat, as the file names them (the exporting phone's contact label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatSender {
    pub name: String,
    pub messages: u64,
}

/// A chat export's questions and what helps answer them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatOutline {
    /// The chat's text: `_chat.txt` in an iPhone zip, else the file's name.
    pub text_name: String,
    pub messages: u64,
    pub senders: Vec<ChatSender>,
    /// The sender the chat's file name says is the person (a two-person chat is named after
    /// the other one); `None` when the person must choose.
    pub me: Option<String>,
    /// Whether the person wrote nothing: the only sender is the one the chat is named after.
    pub only_them: bool,
    /// The date order every stamp allows; `None` when both do and the person must say.
    pub date_order: Option<DateOrder>,
    /// A stamp as written, shown beside the date-order question ("03/04/26, 21:15").
    pub example: Option<String>,
}

/// The outline of the chat export at `path`, or `None` when it is not one (a backup file, or
/// something the import will refuse in its own words).
pub fn outline(path: &Path) -> Result<Option<ChatOutline>, ChatError> {
    let mut head = vec![0u8; crate::phone::SNIFF_BYTES];
    let n = crate::fsutil::read_up_to(&mut File::open(path)?, &mut head)?;
    if crate::phone::detect(&head[..n]).is_some() {
        return Ok(None);
    }
    let Some(chat) = ChatSource::detect(path, &head[..n]) else {
        return Ok(None);
    };
    let scan = |choices: &ChatChoices| {
        chat.with_text(path, |text| ChatFacts::scan(BufReader::new(text), choices))
    };
    let (facts, date_order, example) = match scan(&ChatChoices::default())? {
        Ok(facts) => {
            let order = facts.order;
            (facts, Some(order), None)
        }
        // Either order reads every date: the senders are the same under both.
        Err(ChatError::DateOrderUnknown { example, .. }) => {
            let either = ChatChoices {
                date_order: Some(DateOrder::DayFirst),
                ..ChatChoices::default()
            };
            (scan(&either)??, None, Some(stamp_of(&example)))
        }
        Err(other) => return Err(other),
    };
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text_name = chat.text_name(path);
    let named = chat_name(&file).or_else(|| chat_name(&text_name));
    let parties = facts.parties(named.as_deref(), None).ok();
    Ok(Some(ChatOutline {
        text_name,
        // The senders' messages: the phone's own lines (encryption notice, "added") are not.
        messages: facts.senders.values().sum(),
        senders: facts
            .senders
            .iter()
            .map(|(name, messages)| ChatSender {
                name: name.clone(),
                messages: *messages,
            })
            .collect(),
        only_them: parties.as_ref().is_some_and(|p| p.me.is_none()),
        me: parties.and_then(|p| p.me),
        date_order,
        example,
    }))
}

/// The date and time a line starts with, without what follows: "01/11/2026, 01:20" of an
/// Android line ("… - Name: text"), "3/14/26, 9:58:01 PM" of an iPhone one ("[…] Name: text").
fn stamp_of(line: &str) -> String {
    let line = line.trim_start_matches('\u{200E}');
    let stamp = match line.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(stamp, _)| stamp),
        None => line.split_once(" - ").map_or(line, |(stamp, _)| stamp),
    };
    stamp.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_says_what_to_ask_and_a_backup_is_not_a_chat() {
        let dir = tempfile::tempdir().unwrap();
        let chat = dir.path().join("WhatsApp Chat with Marcus.txt");
        std::fs::write(
            &chat,
            "01/11/2026, 01:20 - Messages and calls are end-to-end encrypted.\n\
             01/11/2026, 01:25 - Marcus: one\n\
             01/11/2026, 01:40 - Dana: two\n\
             02/11/2026, 01:41 - Marcus: three\nand more\n",
        )
        .unwrap();
        let asked = outline(&chat).unwrap().unwrap();
        assert_eq!(asked.messages, 3);
        assert_eq!(asked.me.as_deref(), Some("Dana"));
        assert!(!asked.only_them);
        assert_eq!(asked.date_order, None);
        assert_eq!(asked.example.as_deref(), Some("01/11/2026, 01:20"));
        assert_eq!(
            asked.senders,
            [("Dana", 1), ("Marcus", 2)].map(|(name, messages)| ChatSender {
                name: name.into(),
                messages
            })
        );

        // The 13th decides the order; a chat without the person's words names no "me".
        std::fs::write(&chat, "13/11/2026, 01:25 - Marcus: one\n").unwrap();
        let asked = outline(&chat).unwrap().unwrap();
        assert_eq!(asked.date_order, Some(DateOrder::DayFirst));
        assert_eq!((asked.me, asked.only_them), (None, true));

        let backup = dir.path().join("sms.xml");
        std::fs::write(&backup, "<?xml version='1.0'?><smses count=\"0\"></smses>").unwrap();
        assert_eq!(outline(&backup).unwrap(), None);
    }

    #[test]
    fn the_stamp_is_cut_from_either_line_format() {
        assert_eq!(
            stamp_of("01/11/2026, 01:20 - Messages and calls a"),
            "01/11/2026, 01:20"
        );
        assert_eq!(
            stamp_of("\u{200E}[3/4/26, 9:58:01\u{202F}PM] Marcus: hi"),
            "3/4/26, 9:58:01\u{202F}PM"
        );
    }
}
