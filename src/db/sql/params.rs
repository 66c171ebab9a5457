//! The parameter types of a statement, read off the Rust values, so that it can be sent as one
//! unnamed Parse/Bind/Describe/Execute (`query_typed`) instead of a named prepared statement.
//!
//! `ToSql::to_sql_checked` is object-safe and refuses a type the value does not accept, so each
//! value is tried against a list of candidate types into a scratch buffer; the first it
//! accepts is its type. Strings are declared `unknown`: the server then infers their type from
//! the statement exactly as it did when the statement was prepared (text, name, a column's
//! type…), and every type a Rust string is accepted for reads the same bytes.

use bytes::BytesMut;
use tokio_postgres::types::{ToSql, Type};

/// One statement's parameters, each with its type.
pub type Typed<'a> = Vec<(&'a (dyn ToSql + Sync), Type)>;

/// The types tried, in order. Strings first (the commonest) as `unknown`; JSONB before JSON
/// (the schema's documents are jsonb); TIMESTAMPTZ before TIMESTAMP (a `SystemTime` accepts
/// both; the schema's times are timestamptz); arrays of text before other string arrays.
const CANDIDATES: &[Type] = &[
    Type::UNKNOWN,
    Type::UUID,
    Type::INT4,
    Type::INT8,
    Type::BOOL,
    Type::FLOAT8,
    Type::INT2,
    Type::FLOAT4,
    Type::TIMESTAMPTZ,
    Type::TIMESTAMP,
    Type::DATE,
    Type::TIME,
    Type::JSONB,
    Type::JSON,
    Type::BYTEA,
    Type::OID,
    Type::CHAR,
    Type::INET,
    Type::TEXT_ARRAY,
    Type::UUID_ARRAY,
    Type::INT4_ARRAY,
    Type::INT8_ARRAY,
    Type::INT2_ARRAY,
    Type::BOOL_ARRAY,
    Type::FLOAT8_ARRAY,
    Type::FLOAT4_ARRAY,
    Type::TIMESTAMPTZ_ARRAY,
    Type::JSONB_ARRAY,
    Type::BYTEA_ARRAY,
    Type::TEXT,
];

/// The type `value` is sent as: the first candidate it accepts (None values too: an
/// `Option<T>` accepts what `T` does). A value that accepts none is declared `unknown`, which
/// it refuses in turn: tokio-postgres then reports the mismatch as for any statement.
pub fn type_of(value: &(dyn ToSql + Sync), scratch: &mut BytesMut) -> Type {
    for ty in CANDIDATES {
        scratch.clear();
        if value.to_sql_checked(ty, scratch).is_ok() {
            return ty.clone();
        }
    }
    Type::UNKNOWN
}

/// `params` with their types.
pub fn typed<'a>(params: &[&'a (dyn ToSql + Sync)]) -> Typed<'a> {
    let mut scratch = BytesMut::new();
    params
        .iter()
        .map(|p| (*p, type_of(*p, &mut scratch)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(value: &(dyn ToSql + Sync)) -> Type {
        type_of(value, &mut BytesMut::new())
    }

    #[test]
    fn values_get_the_type_a_prepared_statement_would_have_asked_for() {
        assert_eq!(ty(&"x"), Type::UNKNOWN);
        assert_eq!(ty(&String::from("x")), Type::UNKNOWN);
        assert_eq!(ty(&None::<&str>), Type::UNKNOWN);
        assert_eq!(ty(&1i32), Type::INT4);
        assert_eq!(ty(&Some(1i64)), Type::INT8);
        assert_eq!(ty(&None::<i64>), Type::INT8);
        assert_eq!(ty(&1i16), Type::INT2);
        assert_eq!(ty(&true), Type::BOOL);
        assert_eq!(ty(&1.5f64), Type::FLOAT8);
        assert_eq!(ty(&uuid::Uuid::nil()), Type::UUID);
        assert_eq!(ty(&chrono::Utc::now()), Type::TIMESTAMPTZ);
        assert_eq!(ty(&std::time::SystemTime::now()), Type::TIMESTAMPTZ);
        assert_eq!(ty(&serde_json::json!({"a": 1})), Type::JSONB);
        assert_eq!(ty(&vec!["a".to_string()]), Type::TEXT_ARRAY);
        assert_eq!(ty(&vec![uuid::Uuid::nil()]), Type::UUID_ARRAY);
        assert_eq!(ty(&Vec::<i64>::new()), Type::INT8_ARRAY);
        assert_eq!(ty(&vec![1u8]), Type::BYTEA);
    }
}
