//! SCTE-35 splice_info_section bytes for an ad break's splice_insert (out, with the break's
//! duration, and back in), as hex for EXT-X-DATERANGE and base64 for EXT-X-CUE-OUT-CONT.

use super::timeline::Splice;

/// A splice_info_section with one splice_insert(), immediate, for `program_splice`; `out` with a
/// break_duration of `duration_ms` (auto return), else the return to the network.
pub(super) fn splice_insert(splice: Splice, out: bool, duration_ms: u64) -> Vec<u8> {
    let mut command = Vec::with_capacity(20);
    command.extend_from_slice(&splice.event_id.to_be_bytes());
    command.push(0x7F); // splice_event_cancel_indicator 0, reserved
    // out_of_network, program_splice 1, duration_flag, splice_immediate 1, event_id_compliance 1, reserved.
    command.push((u8::from(out) << 7) | 0x40 | (u8::from(out) << 5) | 0x10 | 0x0F);
    if out {
        let ticks = duration_ms.saturating_mul(90) & 0x1_FFFF_FFFF;
        command.push(0x80 | 0x7E | ((ticks >> 32) as u8 & 1)); // auto_return 1, reserved, 33rd bit
        command.extend_from_slice(&(ticks as u32).to_be_bytes());
    }
    command.extend_from_slice(&splice.unique_program_id.to_be_bytes());
    command.push(splice.avail_num);
    command.push(splice.avails_expected);

    let mut body = vec![
        0x00, // protocol_version
        0x00, // encrypted_packet 0, encryption_algorithm 0, pts_adjustment bit 32 = 0
        0x00, 0x00, 0x00, 0x00, // pts_adjustment
        0x00, // cw_index
        0xFF, // tier 0xFFF ...
    ];
    let command_length = command.len() as u16;
    body.push(0xF0 | (command_length >> 8) as u8); // ... tier, splice_command_length
    body.push(command_length as u8);
    body.push(0x05); // splice_insert
    body.extend_from_slice(&command);
    body.extend_from_slice(&[0x00, 0x00]); // descriptor_loop_length

    let section_length = (body.len() + 4) as u16; // and the CRC
    let mut section = vec![0xFC, 0x30 | (section_length >> 8) as u8 & 0x0F, section_length as u8];
    section.extend_from_slice(&body);
    let crc = crc32_mpeg2(&section);
    section.extend_from_slice(&crc.to_be_bytes());
    section
}

/// CRC-32/MPEG-2: polynomial 0x04C11DB7, initial 0xFFFFFFFF, not reflected, no final xor.
fn crc32_mpeg2(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04C1_1DB7 } else { crc << 1 };
        }
    }
    crc
}

/// `0x` and upper-case hex, as EXT-X-DATERANGE's SCTE35-OUT/IN want it.
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("0x");
    for b in bytes {
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// Standard base64 with padding.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_mpeg2_check_value() {
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_E6E7);
    }

    #[test]
    fn a_splice_out_is_a_well_formed_section_ending_in_its_crc() {
        let splice = Splice { event_id: 7, unique_program_id: 1, avail_num: 1, avails_expected: 2 };
        let bytes = splice_insert(splice, true, 30_000);
        assert_eq!(bytes[0], 0xFC);
        let length = (usize::from(bytes[1] & 0x0F) << 8) | usize::from(bytes[2]);
        assert_eq!(length + 3, bytes.len());
        assert_eq!(bytes[13], 0x05, "splice_insert");
        assert_eq!(&bytes[14..18], &7u32.to_be_bytes());
        // 30 s is 2,700,000 ticks of 90 kHz.
        assert_eq!(&bytes[21..25], &2_700_000u32.to_be_bytes());
        assert_eq!(crc32_mpeg2(&bytes), 0, "the CRC of a section with its CRC is zero");
        let back_in = splice_insert(splice, false, 0);
        assert_eq!(back_in[19] & 0x80, 0, "out_of_network_indicator is 0 on the way back");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(hex(&[0xFC, 0x30]), "0xFC30");
    }
}
