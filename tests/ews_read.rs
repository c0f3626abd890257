//! The reply reader over fixtures of every reply shape.

use std::time::Duration;

use offline_im::compose::DeliveryId;
use offline_im::ews::{
    ItemId, Reply, Response, ResponseClass, ResponseCode, ResponseReader, SoapFault,
    read_create_item_response, read_delete_item_response, read_find_item_response,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ews")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn response<M: std::fmt::Debug>(reply: Reply<M>) -> Response<M> {
    match reply {
        Reply::Response(r) => r,
        Reply::Fault(f) => panic!("unexpected fault: {f}"),
    }
}

fn fault<M: std::fmt::Debug>(reply: Reply<M>) -> SoapFault {
    match reply {
        Reply::Fault(f) => f,
        Reply::Response(r) => panic!("expected a fault, got {r:?}"),
    }
}

#[test]
fn save_only_returns_the_item_id_and_server_version() {
    let r = response(read_create_item_response(&fixture("create_item_saveonly_one.xml")).unwrap());
    assert_eq!(r.messages.len(), 1);
    let m = &r.messages[0];
    assert!(m.status.is_success());
    assert_eq!(m.status.code, ResponseCode::NoError);
    assert_eq!(
        m.item_id,
        Some(ItemId {
            id: "AAMkAGQ3ZWYxLTE5OTEtNDk0Ny1hYjcxLTkwZTc0ZDQ3MmJiZQBGAAAAAADwS1+q=".into(),
            change_key: Some("CQAAABYAAAB3pR0xq/PkRoq6Fnl2Xv0GAAAB2vUz".into()),
        })
    );
    let v = r.server_version.expect("ServerVersionInfo");
    assert_eq!(
        (
            v.major_version,
            v.minor_version,
            v.major_build_number,
            v.minor_build_number
        ),
        (Some(15), Some(2), Some(1544), Some(4))
    );
    assert_eq!(v.version.as_deref(), Some("V2017_07_11"));
}

#[test]
fn a_sent_batch_has_one_result_per_message_without_ids() {
    let r = response(read_create_item_response(&fixture("create_item_send_batch.xml")).unwrap());
    assert_eq!(r.messages.len(), 3);
    assert!(
        r.messages
            .iter()
            .all(|m| m.status.is_success() && m.item_id.is_none())
    );
}

#[test]
fn mixed_batch_keeps_order_class_code_text_and_link_key() {
    let r = response(read_create_item_response(&fixture("create_item_mixed.xml")).unwrap());
    let classes: Vec<_> = r.messages.iter().map(|m| m.status.class).collect();
    assert_eq!(
        classes,
        [
            ResponseClass::Success,
            ResponseClass::Error,
            ResponseClass::Warning
        ]
    );
    let bad = &r.messages[1].status;
    assert_eq!(bad.code, ResponseCode::ErrorInvalidRecipients);
    assert_eq!(
        bad.message_text.as_deref(),
        Some("At least one recipient isn't valid & the message can't be sent.")
    );
    assert_eq!(bad.descriptive_link_key, Some(0));
    assert!(!bad.is_transient(), "a bad recipient is permanent");
    let stopped = &r.messages[2].status;
    assert_eq!(stopped.code, ResponseCode::ErrorBatchProcessingStopped);
    assert!(stopped.is_transient(), "an item never tried is sent again");
    assert_eq!(r.server_version.unwrap().major_version, Some(8));
}

#[test]
fn per_item_server_busy_carries_the_back_off() {
    let r = response(read_create_item_response(&fixture("create_item_item_busy.xml")).unwrap());
    let busy = &r.messages[1].status;
    assert_eq!(busy.code, ResponseCode::ErrorServerBusy);
    assert!(busy.is_transient());
    assert_eq!(busy.back_off(), Some(Duration::from_millis(4250)));
    assert_eq!(busy.message_xml[0].name, "BackOffMilliseconds");
    assert_eq!(r.messages[0].status.back_off(), None);
}

#[test]
fn fault_server_busy_back_off_in_types_namespace() {
    let f = fault(read_create_item_response(&fixture("fault_server_busy_types_ns.xml")).unwrap());
    assert_eq!(f.fault_code, "a:ErrorServerBusy");
    assert_eq!(f.response_code, Some(ResponseCode::ErrorServerBusy));
    assert_eq!(f.back_off(), Some(Duration::from_millis(297_749)));
    assert!(f.is_transient());
    assert_eq!(
        f.message.as_deref(),
        Some("The server cannot service this request right now. Try again later.")
    );
    assert!(f.to_string().contains("retry after 297749 ms"), "{f}");
}

#[test]
fn fault_server_busy_back_off_in_errors_namespace() {
    // The same fault answers any operation.
    let reply = read_find_item_response(&fixture("fault_server_busy_errors_ns.xml")).unwrap();
    assert_eq!(reply.back_off(), Some(Duration::from_secs(30)));
    let f = fault(reply);
    assert!(f.is_transient());
    let f2 = fault(read_delete_item_response(&fixture("fault_server_busy_errors_ns.xml")).unwrap());
    assert_eq!(f, f2);
}

#[test]
fn schema_validation_fault_is_permanent_with_its_details() {
    let f = fault(read_create_item_response(&fixture("fault_schema_validation.xml")).unwrap());
    assert_eq!(f.response_code, Some(ResponseCode::ErrorSchemaValidation));
    assert!(!f.is_transient());
    assert_eq!(f.back_off(), None);
    assert!(
        f.fault_string
            .starts_with("The request failed schema validation")
    );
    let names: Vec<_> = f
        .message_xml
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(names[0], ("LineNumber", "1"));
    assert_eq!(names[1], ("LinePosition", "1187"));
    assert_eq!(names[2].0, "Violation");
}

#[test]
fn bare_soap_fault_has_no_ews_code_and_is_permanent() {
    let f = fault(read_create_item_response(&fixture("fault_bare_client.xml")).unwrap());
    assert_eq!(f.fault_code, "s:Client");
    assert_eq!(f.response_code, None);
    assert!(!f.is_transient());
    assert!(
        f.clone()
            .to_string()
            .contains("The request could not be processed.")
    );
    let err: Result<Response<()>, SoapFault> = Reply::Fault(f).into_result();
    assert!(err.is_err());
}

#[test]
fn find_item_with_no_result() {
    let r = response(read_find_item_response(&fixture("find_item_none.xml")).unwrap());
    assert_eq!(r.messages.len(), 1);
    assert!(r.messages[0].items.is_empty());
    assert_eq!(r.messages[0].total_items_in_view, Some(0));
    assert_eq!(r.messages[0].includes_last_item_in_range, Some(true));
}

#[test]
fn find_item_with_one_result_reads_the_delivery_id_back() {
    let r = response(read_find_item_response(&fixture("find_item_one.xml")).unwrap());
    let items = &r.messages[0].items;
    assert_eq!(items.len(), 1);
    let id: DeliveryId = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap();
    assert_eq!(items[0].delivery_id, Some(id));
    assert_eq!(
        items[0].item_id.change_key.as_deref(),
        Some("CQAAABYAAAB3pR0xq/PkRoq6Fnl2Xv0GAAAB2vU1")
    );
}

#[test]
fn find_item_over_two_folders_gives_one_result_per_folder() {
    let r = response(read_find_item_response(&fixture("find_item_many_two_folders.xml")).unwrap());
    assert_eq!(r.messages.len(), 2);
    let first = &r.messages[0];
    let ids: Vec<_> = first.items.iter().map(|i| i.item_id.id.as_str()).collect();
    assert_eq!(ids, ["AAMkAD1=", "AAMkAD2=", "AAMkAD3="]);
    assert_eq!(
        first.items[1].delivery_id.map(|d| d.to_string()).as_deref(),
        Some("00000000-0000-4000-8000-000000000002")
    );
    assert_eq!(
        first.items[2].delivery_id, None,
        "an item without the property"
    );
    assert_eq!(first.total_items_in_view, Some(5));
    assert_eq!(first.includes_last_item_in_range, Some(false));
    let second = &r.messages[1];
    assert_eq!(second.status.code, ResponseCode::ErrorFolderNotFound);
    assert!(second.items.is_empty());
}

#[test]
fn delete_item_results() {
    let r = response(read_delete_item_response(&fixture("delete_item.xml")).unwrap());
    assert_eq!(r.messages.len(), 2);
    assert!(r.messages[0].is_success());
    assert_eq!(r.messages[1].code, ResponseCode::ErrorItemNotFound);
    assert_eq!(
        r.messages[1].message_text.as_deref(),
        Some("The specified object was not found in the store.")
    );
}

#[test]
fn an_unknown_code_is_kept_and_fails_nothing_else() {
    let r = response(
        read_create_item_response(&fixture("lenient/create_item_unknown_code.xml")).unwrap(),
    );
    assert_eq!(
        r.messages[0].status.code,
        ResponseCode::Other("ErrorSomethingNewIn2030".into())
    );
    assert_eq!(
        r.messages[0].status.code.as_str(),
        "ErrorSomethingNewIn2030"
    );
    assert!(!r.messages[0].status.is_transient());
    assert!(r.messages[1].status.is_success());
}

#[test]
fn the_reply_to_another_operation_is_refused_by_name() {
    let err = ResponseReader::default()
        .read_create_item(&fixture("delete_item.xml"))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("m:CreateItemResponse") && text.contains("m:DeleteItemResponse"),
        "{text}"
    );
}

#[test]
fn busy_in_disguise_is_transient_by_its_inner_code() {
    let r = response(read_create_item_response(&fixture("create_item_inner_busy.xml")).unwrap());
    let busy = &r.messages[0].status;
    assert_eq!(busy.code, ResponseCode::ErrorInternalServerError);
    assert_eq!(busy.inner_code(), Some(ResponseCode::ErrorServerBusy));
    assert_eq!(busy.effective_code(), ResponseCode::ErrorServerBusy);
    assert!(busy.is_transient());
    assert_eq!(busy.back_off(), Some(Duration::from_millis(297_749)));

    // Without an inner code the internal error stays permanent at this layer.
    let internal = &r.messages[1].status;
    assert_eq!(internal.inner_code(), None);
    assert_eq!(
        internal.effective_code(),
        ResponseCode::ErrorInternalServerError
    );
    assert!(!internal.is_transient());
}

#[test]
fn a_fault_hiding_busy_is_transient_by_its_inner_code() {
    let f = fault(read_create_item_response(&fixture("fault_internal_inner_busy.xml")).unwrap());
    assert_eq!(
        f.response_code,
        Some(ResponseCode::ErrorInternalServerError)
    );
    assert_eq!(f.inner_code(), Some(ResponseCode::ErrorServerBusy));
    assert_eq!(f.effective_code(), Some(ResponseCode::ErrorServerBusy));
    assert!(f.is_transient());
    assert_eq!(f.back_off(), Some(Duration::from_millis(297_749)));
    let shown = f.to_string();
    assert!(
        shown.contains("ErrorInternalServerError") && shown.contains("inner ErrorServerBusy"),
        "{shown}"
    );
}

#[test]
fn an_inner_code_decides_only_under_an_internal_server_error() {
    let text = String::from_utf8(fixture("create_item_inner_busy.xml")).unwrap();
    // An inner permanent code keeps the internal error permanent.
    let inner_permanent = text.replacen(
        ">ErrorServerBusy</t:Value>",
        ">ErrorInvalidLicense</t:Value>",
        1,
    );
    let r = response(read_create_item_response(inner_permanent.as_bytes()).unwrap());
    assert_eq!(
        r.messages[0].status.inner_code(),
        Some(ResponseCode::Other("ErrorInvalidLicense".into()))
    );
    assert!(!r.messages[0].status.is_transient());
    // A permanent outer code is not made transient by an inner one.
    let outer_permanent = text.replacen(
        "<m:ResponseCode>ErrorInternalServerError</m:ResponseCode>",
        "<m:ResponseCode>ErrorAccessDenied</m:ResponseCode>",
        1,
    );
    let r = response(read_create_item_response(outer_permanent.as_bytes()).unwrap());
    assert_eq!(
        r.messages[0].status.effective_code(),
        ResponseCode::ErrorServerBusy
    );
    assert!(!r.messages[0].status.is_transient());
}

#[test]
fn recent_items_read_back_creation_time_submitted_flag_and_next_offset() {
    let r = response(read_find_item_response(&fixture("find_item_recent.xml")).unwrap());
    let folder = &r.messages[0];
    assert_eq!(folder.indexed_paging_offset, Some(3));
    assert_eq!(folder.total_items_in_view, Some(4711));
    assert_eq!(folder.includes_last_item_in_range, Some(false));
    let seen: Vec<_> = folder
        .items
        .iter()
        .map(|i| (i.created, i.is_submitted, i.delivery_id.is_some()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                Some(time::macros::datetime!(2026-12-06 02:31:07 UTC)),
                Some(false),
                true
            ),
            (
                Some(time::macros::datetime!(2026-12-06 02:30:59.123 UTC)),
                Some(true),
                true
            ),
            (
                Some(time::macros::datetime!(2026-12-05 23:00 UTC)),
                Some(false),
                false
            ),
        ]
    );
    // A FindItem that did not ask for them has neither.
    let r = response(read_find_item_response(&fixture("find_item_one.xml")).unwrap());
    assert_eq!(r.messages[0].items[0].created, None);
    assert_eq!(r.messages[0].items[0].is_submitted, None);
    assert_eq!(r.messages[0].indexed_paging_offset, Some(1));
}

#[test]
fn unreadable_dates_flags_and_offsets_are_named() {
    let text = String::from_utf8(fixture("find_item_recent.xml")).unwrap();
    for (from, to, what) in [
        (
            "2026-12-06T02:31:07Z",
            "6 Dec 2026 02:31",
            "t:DateTimeCreated",
        ),
        (
            "2026-12-06T02:31:07Z",
            "2026-12-06T25:31:07Z",
            "t:DateTimeCreated",
        ),
        ("<t:IsSubmitted>1<", "<t:IsSubmitted>yes<", "t:IsSubmitted"),
        (
            r#"IndexedPagingOffset="3""#,
            r#"IndexedPagingOffset="-3""#,
            "IndexedPagingOffset",
        ),
    ] {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text, "{from}");
        let err = read_find_item_response(bad.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, offline_im::ews::ReadError::InvalidValue { what: w, .. } if *w == what),
            "{to}: {err:?}"
        );
        assert!(err.to_string().contains(what), "{err}");
    }
}
