//! Protective orders and the people they name.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Transaction};

use super::incidents::{check_text, clean_optional};
use super::model::{Order, OrderInput, Person, PersonInput, PersonRef, PersonRole, Term, TermKind};
use super::revisions::{self, Entity, NewRevision, Op};
use super::{time, Journal, JournalError, Result};

const MAX_FIELD_CHARS: usize = 1_000;

impl Journal {
    /// Records an order. People given inline (respondent, protected persons) are created too,
    /// each with its own revision.
    pub fn add_order(&mut self, input: &OrderInput) -> Result<Order> {
        let tx = self.conn.transaction()?;
        let order = insert_order(&tx, input)?;
        tx.commit()?;
        Ok(order)
    }

    /// Replaces an order's details (terms included) with `input`, keeping its id and creation
    /// time. The earlier version stays in the chain; term ids named by incidents should be kept.
    pub fn edit_order(&mut self, id: &str, input: &OrderInput) -> Result<Order> {
        let tx = self.conn.transaction()?;
        let old = load_order(&tx, id)?;
        let mut order = build_order(&tx, input)?;
        order.id = old.id.clone();
        order.created_at = old.created_at.clone();
        order.updated_at = old.updated_at.clone();
        // The papers are added with `attach_order_documents`, never through an edit.
        order.documents = old.documents.clone();
        if order == old {
            return Err(JournalError::NothingChanged);
        }
        order.updated_at = time::now_utc();
        store_order(&tx, &order, Op::Edit)?;
        tx.commit()?;
        Ok(order)
    }

    /// Replaces a person's details, keeping id, role and creation time.
    pub fn edit_person(&mut self, id: &str, input: &PersonInput) -> Result<Person> {
        let old = self.person(id)?;
        let tx = self.conn.transaction()?;
        let mut person = build_person(input, old.role)?;
        person.id = old.id.clone();
        person.created_at = old.created_at.clone();
        person.updated_at = old.updated_at.clone();
        if person == old {
            return Err(JournalError::NothingChanged);
        }
        person.updated_at = time::now_utc();
        store_person(&tx, &person, Op::Edit)?;
        tx.commit()?;
        Ok(person)
    }

    /// Amends an order with a JSON merge patch (RFC 7386) over its current details, as an
    /// incident is amended: fields given replace, `null` clears. The earlier version stays in
    /// the chain.
    pub fn edit_order_patch(&mut self, id: &str, patch: &serde_json::Value) -> Result<Order> {
        let mut base = serde_json::to_value(self.order(id)?.to_input())
            .map_err(|e| JournalError::Invalid(e.to_string()))?;
        super::incidents::merge_patch(&mut base, patch);
        let input: OrderInput = serde_json::from_value(base)
            .map_err(|e| JournalError::Invalid(format!("The edit is not valid: {e}.")))?;
        self.edit_order(id, &input)
    }

    /// Amends a person with a JSON merge patch over their current details. A person's role
    /// stays what it was: an order and its incidents were recorded against it.
    pub fn edit_person_patch(&mut self, id: &str, patch: &serde_json::Value) -> Result<Person> {
        let old = self.person(id)?;
        let mut base =
            serde_json::to_value(&old.details).map_err(|e| JournalError::Invalid(e.to_string()))?;
        super::incidents::merge_patch(&mut base, patch);
        let input: PersonInput = serde_json::from_value(base)
            .map_err(|e| JournalError::Invalid(format!("The edit is not valid: {e}.")))?;
        if input.role.is_some_and(|role| role != old.role) {
            return Err(JournalError::Invalid(
                "A person's role cannot be changed; add the person again with the right role."
                    .into(),
            ));
        }
        self.edit_person(id, &input)
    }

    /// The order a handout (officer sheet, notice) is about: `requested`, or else the most
    /// recently issued order in force on `today`. An expired order is refused: a sheet for it
    /// could send an officer after someone no longer restrained, or leave a school trusting
    /// a paper that no longer holds. When a newer order is in force the refusal names it.
    pub fn order_for_handout(&self, requested: Option<&str>, today: NaiveDate) -> Result<Order> {
        let orders = self.orders()?;
        let in_force = |o: &&Order| !matches!(o.renewal(today, 0), Renewal::Expired { .. });
        let chosen = match requested {
            Some(id) => self.order(id)?,
            None => match orders.iter().find(in_force) {
                Some(order) => return Ok(order.clone()),
                None => orders.first().cloned().ok_or_else(|| {
                    JournalError::Invalid(
                        "There is no protective order in the journal yet. Add the order first."
                            .into(),
                    )
                })?,
            },
        };
        if in_force(&&chosen) {
            return Ok(chosen);
        }
        let expired = format!(
            "The order in case {} expired on {}.",
            chosen.case_number,
            chosen.expires_on.as_deref().unwrap_or_default()
        );
        let newer = orders
            .iter()
            .filter(in_force)
            .find(|o| o.id != chosen.id && o.issued_on >= chosen.issued_on);
        Err(JournalError::Invalid(match newer {
            Some(newer) => format!(
                "{expired} The order in case {} (issued {}, id {}) is in force: use that one.",
                newer.case_number, newer.issued_on, newer.id
            ),
            None => format!(
                "{expired} A handout for an expired order could mislead an officer. If the court \
                 extended or renewed it, correct its expiry date (Edit this order, or daybook \
                 order edit) or add the new order."
            ),
        }))
    }

    pub fn order(&self, id: &str) -> Result<Order> {
        let tx = self.conn.unchecked_transaction()?;
        load_order(&tx, id)
    }

    /// Orders in force first (latest issued first), then expired ones.
    pub fn orders(&self) -> Result<Vec<Order>> {
        let mut stmt = self.conn.prepare(
            "SELECT body FROM orders WHERE deleted_at IS NULL ORDER BY issued_on DESC, created_at DESC",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|body| parse_order(&body?)).collect()
    }

    pub fn add_person(&mut self, input: &PersonInput) -> Result<Person> {
        let role = input.role.ok_or_else(|| {
            JournalError::Invalid(
                "Say who this person is: role restrained, protected, witness or other.".into(),
            )
        })?;
        let tx = self.conn.transaction()?;
        let person = insert_person(&tx, input, role)?;
        tx.commit()?;
        Ok(person)
    }

    pub fn person(&self, id: &str) -> Result<Person> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM people WHERE id = ?1 AND deleted_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let body = body.ok_or_else(|| JournalError::NotFound {
            what: "person",
            id: id.to_string(),
        })?;
        parse_person(&body)
    }

    pub fn people(&self) -> Result<Vec<Person>> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM people WHERE deleted_at IS NULL ORDER BY role, name")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|body| parse_person(&body?)).collect()
    }
}

pub(crate) fn load_order(tx: &Transaction<'_>, id: &str) -> Result<Order> {
    let body: Option<String> = tx
        .query_row(
            "SELECT body FROM orders WHERE id = ?1 AND deleted_at IS NULL",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let body = body.ok_or_else(|| JournalError::NotFound {
        what: "order",
        id: id.to_string(),
    })?;
    parse_order(&body)
}

fn parse_order(body: &str) -> Result<Order> {
    serde_json::from_str(body)
        .map_err(|e| JournalError::Damaged(format!("an order cannot be read: {e}")))
}

fn parse_person(body: &str) -> Result<Person> {
    serde_json::from_str(body)
        .map_err(|e| JournalError::Damaged(format!("a person cannot be read: {e}")))
}

fn insert_order(tx: &Transaction<'_>, input: &OrderInput) -> Result<Order> {
    let order = build_order(tx, input)?;
    store_order(tx, &order, Op::Create)?;
    Ok(order)
}

/// Checks `input` and makes a new order of it; people given inline are created on the way.
fn build_order(tx: &Transaction<'_>, input: &OrderInput) -> Result<Order> {
    let court = required("court", &input.court)?;
    let state = required("state", &input.state)?;
    let case_number = required("case number", &input.case_number)?;
    let issued_on = date("issued_on", &input.issued_on)?;
    let served_on = optional_date("served_on", input.served_on.as_deref())?;
    let expires_on = optional_date("expires_on", input.expires_on.as_deref())?;
    if let Some(expires) = &expires_on {
        if expires.as_str() < issued_on.as_str() {
            return Err(JournalError::Invalid(format!(
                "The order cannot expire ({expires}) before it was issued ({issued_on})."
            )));
        }
    }
    let respondent_id = match &input.respondent {
        Some(r) => Some(resolve_person(tx, r, PersonRole::Restrained)?),
        None => None,
    };
    let mut protected_person_ids = Vec::new();
    for p in &input.protected_persons {
        protected_person_ids.push(resolve_person(tx, p, PersonRole::Protected)?);
    }
    let terms = number_terms(&input.terms)?;
    let now = time::now_utc();
    let order = Order {
        id: uuid::Uuid::new_v4().to_string(),
        kind: input.kind,
        court,
        state,
        case_number,
        issued_on,
        served_on,
        expires_on,
        petitioner: clean_optional("petitioner", input.petitioner.as_deref())?,
        respondent_id,
        protected_person_ids,
        terms,
        notes: clean_optional("notes", input.notes.as_deref())?,
        documents: Vec::new(),
        created_at: now.clone(),
        updated_at: now,
    };
    Ok(order)
}

/// Appends the order's revision and writes its current-state row (new or replaced). The
/// revision covers the SHA-256 of every paper kept with the order.
pub(crate) fn store_order(tx: &Transaction<'_>, order: &Order, op: Op) -> Result<()> {
    let value = serde_json::to_value(order).map_err(|e| JournalError::Invalid(e.to_string()))?;
    let hashes: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT sha256 FROM attachments WHERE order_id = ?1 ORDER BY position")?;
        let rows = stmt.query_map([&order.id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let revision = revisions::append(
        tx,
        NewRevision {
            entity: Entity::Order,
            entity_id: &order.id,
            op,
            reason: None,
            body: &value,
            attachments: &hashes,
        },
    )?;
    tx.execute(
        "INSERT INTO orders (id, kind, court, state, case_number, issued_on, served_on,
             expires_on, respondent_id, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET kind = ?2, court = ?3, state = ?4, case_number = ?5,
             issued_on = ?6, served_on = ?7, expires_on = ?8, respondent_id = ?9, body = ?10,
             updated_at = ?12",
        params![
            order.id,
            order.kind.key(),
            order.court,
            order.state,
            order.case_number,
            order.issued_on,
            order.served_on,
            order.expires_on,
            order.respondent_id,
            revision.body,
            order.created_at,
            order.updated_at
        ],
    )?;
    Ok(())
}

/// Gives each term an id ("T1", "T2" ...) where none was given, and refuses duplicates.
fn number_terms(terms: &[Term]) -> Result<Vec<Term>> {
    let mut out: Vec<Term> = Vec::with_capacity(terms.len());
    // A new term takes the first "T<n>" that no term of the order uses, so removing T2 and
    // adding a term never clashes with a kept T3 (incidents name terms by these ids).
    let given: Vec<String> = terms
        .iter()
        .map(|t| t.id.trim().to_ascii_uppercase())
        .collect();
    let mut next = 1;
    for term in terms {
        let mut term = term.clone();
        term.id = match term.id.trim() {
            "" => {
                while given.contains(&format!("T{next}"))
                    || out.iter().any(|t| t.id == format!("T{next}"))
                {
                    next += 1;
                }
                format!("T{next}")
            }
            id => id.to_ascii_uppercase(),
        };
        if out.iter().any(|t| t.id == term.id) {
            return Err(JournalError::Invalid(format!(
                "Two terms have the id {}.",
                term.id
            )));
        }
        match &term.kind {
            TermKind::StayAway {
                distance: Some(d), ..
            } if !(d.is_finite() && *d > 0.0 && *d < 100_000.0) => {
                return Err(JournalError::Invalid(format!(
                    "The stay-away distance {d} is not a distance."
                )));
            }
            TermKind::StayAway { places, .. } => {
                for place in places {
                    check_text("stay-away place", place, MAX_FIELD_CHARS)?;
                }
            }
            TermKind::Other { text } => {
                required("term text", text)?;
            }
            _ => {}
        }
        out.push(term);
    }
    Ok(out)
}

fn resolve_person(tx: &Transaction<'_>, person: &PersonRef, implied: PersonRole) -> Result<String> {
    match person {
        PersonRef::Id(id) => {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM people WHERE id = ?1 AND deleted_at IS NULL)",
                [id],
                |r| r.get(0),
            )?;
            if exists {
                Ok(id.clone())
            } else {
                Err(JournalError::NotFound {
                    what: "person",
                    id: id.clone(),
                })
            }
        }
        PersonRef::New(input) => Ok(insert_person(tx, input, input.role.unwrap_or(implied))?.id),
    }
}

fn insert_person(tx: &Transaction<'_>, input: &PersonInput, role: PersonRole) -> Result<Person> {
    let person = build_person(input, role)?;
    store_person(tx, &person, Op::Create)?;
    Ok(person)
}

fn build_person(input: &PersonInput, role: PersonRole) -> Result<Person> {
    let mut details = input.clone();
    details.role = None;
    details.name = required("name", &input.name)?;
    for (field, value) in [
        ("date of birth", &input.date_of_birth),
        ("substitute address", &input.substitute_address),
        ("description", &input.description),
        ("vehicle", &input.vehicle),
        ("weapons", &input.weapons),
        ("notes", &input.notes),
    ] {
        if let Some(v) = value {
            check_text(field, v, MAX_FIELD_CHARS * 10)?;
        }
    }
    for list in [
        &input.aliases,
        &input.phones,
        &input.accounts,
        &input.addresses,
    ] {
        for item in list {
            check_text("contact detail", item, MAX_FIELD_CHARS)?;
        }
    }
    let now = time::now_utc();
    let person = Person {
        id: uuid::Uuid::new_v4().to_string(),
        role,
        details,
        created_at: now.clone(),
        updated_at: now,
    };
    Ok(person)
}

fn store_person(tx: &Transaction<'_>, person: &Person, op: Op) -> Result<()> {
    let value = serde_json::to_value(person).map_err(|e| JournalError::Invalid(e.to_string()))?;
    let revision = revisions::append(
        tx,
        NewRevision {
            entity: Entity::Person,
            entity_id: &person.id,
            op,
            reason: None,
            body: &value,
            attachments: &[],
        },
    )?;
    tx.execute(
        "INSERT INTO people (id, role, name, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = ?3, body = ?4, updated_at = ?6",
        params![
            person.id,
            person.role.key(),
            person.details.name,
            revision.body,
            person.created_at,
            person.updated_at
        ],
    )?;
    Ok(())
}

fn required(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(JournalError::Invalid(format!("The {field} is missing.")));
    }
    check_text(field, value, MAX_FIELD_CHARS)?;
    Ok(value.to_string())
}

fn date(field: &str, value: &str) -> Result<String> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| {
            JournalError::Invalid(format!(
                "{field} \"{value}\" is not a date. Write it as YYYY-MM-DD."
            ))
        })
}

fn optional_date(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => date(field, v).map(Some),
        None => Ok(None),
    }
}

/// Where an order stands against its expiry date, for the reminder the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Renewal {
    /// No expiry date was entered (some orders are permanent; some users do not know it).
    NoExpiry,
    InForce {
        days_left: i64,
    },
    /// Within the renewal window: courts usually want the request before the expiry date.
    RenewSoon {
        days_left: i64,
    },
    Expired {
        days_ago: i64,
    },
}

impl Order {
    /// The input that would recreate this order; the base an edit patches.
    pub fn to_input(&self) -> OrderInput {
        OrderInput {
            kind: self.kind,
            court: self.court.clone(),
            state: self.state.clone(),
            case_number: self.case_number.clone(),
            issued_on: self.issued_on.clone(),
            served_on: self.served_on.clone(),
            expires_on: self.expires_on.clone(),
            petitioner: self.petitioner.clone(),
            respondent: self.respondent_id.clone().map(PersonRef::Id),
            protected_persons: self
                .protected_person_ids
                .iter()
                .cloned()
                .map(PersonRef::Id)
                .collect(),
            terms: self.terms.clone(),
            notes: self.notes.clone(),
        }
    }

    pub fn renewal(&self, today: NaiveDate, window_days: u32) -> Renewal {
        let Some(expires) = self
            .expires_on
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return Renewal::NoExpiry;
        };
        let days_left = (expires - today).num_days();
        if days_left < 0 {
            Renewal::Expired {
                days_ago: -days_left,
            }
        } else if days_left <= i64::from(window_days) {
            Renewal::RenewSoon { days_left }
        } else {
            Renewal::InForce { days_left }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(expires_on: Option<&str>) -> Order {
        Order {
            id: "o".into(),
            kind: crate::model::OrderKind::AfterHearing,
            court: "Court".into(),
            state: "CA".into(),
            case_number: "1".into(),
            issued_on: "2026-01-01".into(),
            served_on: None,
            expires_on: expires_on.map(str::to_string),
            petitioner: None,
            respondent_id: None,
            protected_person_ids: vec![],
            terms: vec![],
            notes: None,
            documents: vec![],
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn a_new_term_takes_the_first_free_id() {
        let term = |id: &str| Term {
            id: id.into(),
            kind: TermKind::NoFirearms,
        };
        let ids: Vec<String> = number_terms(&[term("T1"), term(""), term("t2"), term("")])
            .expect("numbered")
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, ["T1", "T3", "T2", "T4"]);
        assert!(number_terms(&[term("T1"), term("t1")]).is_err());
    }

    #[test]
    fn renewal_window_edges() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        assert_eq!(order(None).renewal(today, 90), Renewal::NoExpiry);
        assert_eq!(
            order(Some("2026-08-30")).renewal(today, 90),
            Renewal::RenewSoon { days_left: 90 }
        );
        assert_eq!(
            order(Some("2026-08-31")).renewal(today, 90),
            Renewal::InForce { days_left: 91 }
        );
        assert_eq!(
            order(Some("2026-06-01")).renewal(today, 90),
            Renewal::RenewSoon { days_left: 0 }
        );
        assert_eq!(
            order(Some("2026-05-30")).renewal(today, 90),
            Renewal::Expired { days_ago: 2 }
        );
    }
}
