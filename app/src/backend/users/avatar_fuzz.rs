//! Fuzz smoke run of avatar decoding, part of `cargo test`: arbitrary bytes, mutated PNG, JPEG
//! and WebP files (flipped bytes, rewritten width and height, truncation) and valid images of
//! every allowed shape. 64 cases each (16 for the valid shapes, whose resampling is the slow
//! part unoptimised), a second or two in all.
//!
//! Each upload is decoded on the test's thread under `allocation_counter::measure`, which counts
//! what that thread holds at once, so the memory bounds below are measured, not assumed.

use image::{DynamicImage, ImageBuffer, ImageFormat, ImageReader, Rgb, Rgba};
use proptest::prelude::*;
use std::io::Cursor;

use super::{Avatar, MAX_DECODED, MAX_SIDE, square};
use crate::backend::ServiceError;

/// What a decoding of a small image may hold at once: the decoders' state, the 256 px square and
/// its encoding. (At the limit `image::Limits` bounds the decoded image by [`MAX_DECODED`] but
/// not the decoders' own buffers beside it: measured by hand, a lossless WebP then holds 2.33
/// times that and a progressive JPEG 3.01 times. Claimed sizes stay small here because the JPEG
/// decoder fills in missing data, which takes seconds unoptimised at that size.)
const SMALL: u64 = 8 * 1024 * 1024;

/// `square(upload)` and the most its thread held at once meanwhile.
fn measured(upload: &[u8]) -> (Result<Avatar, ServiceError>, u64) {
    let mut result = Err(ServiceError::Internal("not run".into()));
    let info = allocation_counter::measure(|| result = square(upload));
    (result, info.bytes_max)
}

/// What every upload must get: a 256 px square or one field error on `avatar`, holding at most
/// [`SMALL`] bytes at once. True when it was accepted.
fn answered_within(upload: &[u8]) -> Result<bool, TestCaseError> {
    let (result, peak) = measured(upload);
    prop_assert!(peak <= SMALL, "held {} bytes at once", peak);
    match result {
        Ok(avatar) => {
            let side = ImageReader::new(Cursor::new(&avatar.image))
                .with_guessed_format()
                .ok()
                .and_then(|reader| reader.into_dimensions().ok());
            prop_assert_eq!(side, Some((256, 256)));
            Ok(true)
        }
        Err(ServiceError::Validation(fields)) => {
            let codes = fields.get("avatar").map(Vec::as_slice).unwrap_or_default();
            prop_assert_eq!(fields.len(), 1);
            prop_assert!(
                matches!(codes, [c] if c == "not_an_image" || c == "too_many_pixels"),
                "{:?}",
                fields
            );
            Ok(false)
        }
        Err(other) => Err(TestCaseError::fail(format!("{other:?}"))),
    }
}

/// A small image in `format`: RGB, or RGBA for PNG when `alpha`.
fn encoded(format: ImageFormat, width: u32, height: u32, alpha: bool) -> Vec<u8> {
    let image = if alpha && format == ImageFormat::Png {
        DynamicImage::ImageRgba8(ImageBuffer::from_fn(width, height, |x, y| {
            Rgba([x as u8, y as u8, (x ^ y) as u8, (x * 7) as u8])
        }))
    } else {
        DynamicImage::ImageRgb8(ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([x as u8, y as u8, (x ^ y) as u8])
        }))
    };
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("a small image encodes");
    out.into_inner()
}

/// CRC-32 (ISO-HDLC) as PNG chunks carry it, so rewritten headers still pass the check.
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &b| {
        (0..8).fold(
            crc ^ u32::from(b),
            |c, _| if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 },
        )
    })
}

/// Rewrites the width and height the file declares, where its format keeps them.
fn set_dimensions(file: &mut [u8], format: ImageFormat, width: u32, height: u32) {
    match format {
        // IHDR follows the signature: length, "IHDR", width, height, …, CRC at 29.
        ImageFormat::Png => {
            if file.len() >= 33 {
                file[16..20].copy_from_slice(&width.to_be_bytes());
                file[20..24].copy_from_slice(&height.to_be_bytes());
                let crc = crc32(&file[12..29]);
                file[29..33].copy_from_slice(&crc.to_be_bytes());
            }
        }
        // The baseline frame header (FFC0): length, precision, height, width.
        ImageFormat::Jpeg => {
            let frame = file.windows(2).position(|w| w == [0xFF, 0xC0]);
            if let Some(at) = frame.filter(|at| at + 9 <= file.len()) {
                file[at + 5..at + 7].copy_from_slice(&(height as u16).to_be_bytes());
                file[at + 7..at + 9].copy_from_slice(&(width as u16).to_be_bytes());
            }
        }
        // Lossless (VP8L at 12): signature 0x2f at 20, then 14 bits each of width-1, height-1.
        _ => {
            if file.get(12..16) == Some(b"VP8L") && file.len() >= 25 {
                let (w, h) = (width.clamp(1, 0x4000) - 1, height.clamp(1, 0x4000) - 1);
                let bits = u32::from_le_bytes([file[21], file[22], file[23], file[24]]);
                let bits = (bits & !0x0FFF_FFFF) | w | (h << 14);
                file[21..25].copy_from_slice(&bits.to_le_bytes());
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, with: u8 },
    Dimensions { width: u32, height: u32 },
    Truncate { to: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Small sides (see SMALL), or past the limit.
    let side = prop_oneof![4 => 1u32..=256, 1 => MAX_SIDE + 1..=u32::MAX];
    prop_oneof![
        4 => (any::<usize>(), 1u8..).prop_map(|(at, with)| Mutation::Flip { at, with }),
        2 => (side.clone(), side).prop_map(|(width, height)| Mutation::Dimensions { width, height }),
        1 => any::<usize>().prop_map(|to| Mutation::Truncate { to }),
    ]
}

fn format() -> impl Strategy<Value = ImageFormat> {
    prop::sample::select(vec![ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_bytes_are_an_avatar_or_a_field_error(
        magic in prop::sample::select(vec![
            b"".as_slice(),
            b"\x89PNG\r\n\x1a\n",
            b"\xFF\xD8\xFF",
            b"RIFF\0\0\0\0WEBPVP8L",
            b"GIF89a",
        ]),
        rest in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        answered_within(&[magic, &rest[..]].concat())?;
    }

    #[test]
    fn mutated_images_are_an_avatar_or_a_field_error(
        format in format(),
        (width, height) in (1u32..=24, 1u32..=24),
        alpha: bool,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut file = encoded(format, width, height, alpha);
        for mutation in mutations {
            match mutation {
                Mutation::Flip { at, with } => {
                    let at = at % file.len();
                    file[at] ^= with;
                }
                Mutation::Dimensions { width, height } => {
                    set_dimensions(&mut file, format, width, height);
                }
                Mutation::Truncate { to } => file.truncate(to % (file.len() + 1)),
            }
            if file.is_empty() {
                break;
            }
        }
        answered_within(&file)?;
    }

    /// PNG declares its size up front (checked by its CRC, rewritten here to match): more
    /// pixels than allowed are refused before anything is decoded.
    #[test]
    fn png_headers_claiming_too_many_pixels_are_refused(
        width in 1u32..=i32::MAX as u32,
        height in 1u32..=i32::MAX as u32,
        alpha: bool,
    ) {
        let channels = if alpha { 4 } else { 3 };
        let bytes = u64::from(width) * u64::from(height) * channels;
        prop_assume!(width > MAX_SIDE || height > MAX_SIDE || bytes > MAX_DECODED);
        let mut file = encoded(ImageFormat::Png, 16, 16, alpha);
        set_dimensions(&mut file, ImageFormat::Png, width, height);
        let (result, peak) = measured(&file);
        prop_assert!(peak <= SMALL, "held {} bytes at once", peak);
        let Err(ServiceError::Validation(fields)) = result else {
            return Err(TestCaseError::fail(format!("{width}x{height} was not refused")));
        };
        prop_assert_eq!(&fields["avatar"], &["too_many_pixels"]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Every shape the limits let through, extreme aspect ratios included, kept to a few
    /// thousand pixels so encoding them stays cheap. Before `square` cropped ahead of scaling,
    /// a 1024 x 1 strip of a few hundred bytes held 205 MB here (and 8192 x 1 would hold 1.6 GB).
    #[test]
    fn images_of_any_allowed_shape_become_avatars(
        format in format(),
        long in 1u32..=MAX_SIDE,
        short_seed: u32,
        tall: bool,
        alpha: bool,
    ) {
        let short = 1 + short_seed % (4096 / long).max(1);
        let (width, height) = if tall { (short, long) } else { (long, short) };
        let accepted = answered_within(&encoded(format, width, height, alpha))?;
        prop_assert!(accepted, "{}x{} was refused", width, height);
    }
}
