//! Avatars: an uploaded PNG, JPEG or WebP of at most 2 MiB is decoded (so a renamed text file
//! or a truncated image is refused), cropped to a centred square and stored re-encoded at 256 px.

use image::{DynamicImage, ImageFormat, ImageReader, Limits, imageops::FilterType};
use serde_json::json;
use shared::audit::Action;
use shared::{FieldCode, Permission};
use std::io::Cursor;
use uuid::Uuid;

use super::super::audit::{self, AuditActor, AuditEvent, Subject, Target};
use super::super::{Ctx, ServiceError};
use super::load;

/// Largest accepted upload.
pub const MAX_BYTES: usize = shared::profile::MAX_AVATAR_BYTES;
/// Widest and tallest accepted image: a compressed upload of 2 MiB can claim far more pixels
/// than it carries, so its decoded size is bounded apart from its bytes.
pub const MAX_SIDE: u32 = 8192;
/// The most memory one decoding may allocate (a 21-megapixel RGB photo).
const MAX_DECODED: u64 = 64 * 1024 * 1024;
/// Decodings at once, whatever the number of uploads: each may hold [`MAX_DECODED`] and a core.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// Side of the stored square.
const SIDE: u32 = 256;

/// A stored avatar: its content type and bytes.
pub struct Avatar {
    pub content_type: String,
    pub image: Vec<u8>,
}

/// Replaces a user's avatar.
pub async fn set(ctx: &mut Ctx<'_>, id: Uuid, upload: Vec<u8>) -> Result<(), ServiceError> {
    ctx.attempting(Action::UserAvatarChanged, Some(Subject::User(id)));
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::UsersUpdate)?;
    actor.require_sees(id)?;
    if upload.len() > MAX_BYTES {
        return Err(ServiceError::field("avatar", FieldCode::TooLarge));
    }
    let permit = DECODING.acquire().await.map_err(|e| ServiceError::Internal(e.to_string()))?;
    let avatar = tokio::task::spawn_blocking(move || square(&upload))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))??;
    drop(permit);
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let user = load(&mut *conn, tenant, id).await?.ok_or(ServiceError::NotFound)?;
    actor.require_outranks(&user.permissions)?;
    sqlx::query!(
        "insert into user_avatars (tenant_id, user_id, content_type, image) values ($1, $2, $3, $4)
         on conflict (tenant_id, user_id)
         do update set content_type = excluded.content_type, image = excluded.image, updated_at = now()",
        tenant,
        id,
        avatar.content_type,
        avatar.image
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update users set avatar_updated_at = now(), version = version + 1, updated_at = now()
          where tenant_id = $1 and id = $2",
        tenant,
        id
    )
    .execute(&mut *conn)
    .await?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id, name: &user.username }),
        changes: json!({"avatar": {"before": user.has_avatar, "after": true}}),
        details: json!({"content_type": avatar.content_type, "bytes": avatar.image.len()}),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::UserAvatarChanged)
    };
    audit::record(conn, &event).await?;
    Ok(())
}

/// A user's avatar, if they have one.
pub async fn get(ctx: &mut Ctx<'_>, id: Uuid) -> Result<Avatar, ServiceError> {
    ctx.reading("users.read", Some(Subject::User(id)));
    let actor = ctx.actor;
    actor.require(Permission::UsersRead)?;
    actor.require_sees(id)?;
    let avatar = sqlx::query_as!(
        Avatar,
        "select content_type, image from user_avatars where tenant_id = $1 and user_id = $2",
        actor.tenant_id,
        id
    )
    .fetch_optional(&mut *ctx.conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    Ok(avatar)
}

/// Decodes an upload (by its bytes, not its name or declared type), crops the centred square and
/// re-encodes it: PNG when it has transparency, JPEG otherwise.
fn square(upload: &[u8]) -> Result<Avatar, ServiceError> {
    let refuse = || ServiceError::field("avatar", FieldCode::NotAnImage);
    let mut reader =
        ImageReader::new(Cursor::new(upload)).with_guessed_format().map_err(|_| refuse())?;
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)) {
        return Err(refuse());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ServiceError::field("avatar", FieldCode::TooManyPixels),
        _ => refuse(),
    })?;
    // Crop, then scale: `resize_to_fill` scales the whole image first, so a thin strip (8192 x 1)
    // would become 2097152 x 256 pixels (1.6 GB) before its square is cut out.
    let (width, height) = (decoded.width(), decoded.height());
    let side = width.min(height);
    let centre = if width == height {
        decoded
    } else {
        decoded.crop_imm((width - side) / 2, (height - side) / 2, side, side)
    };
    let resized = centre.resize_exact(SIDE, SIDE, FilterType::CatmullRom);
    let mut out = Cursor::new(Vec::new());
    let encoded = if resized.color().has_alpha() {
        resized.write_to(&mut out, ImageFormat::Png).map(|()| "image/png")
    } else {
        let rgb = DynamicImage::ImageRgb8(resized.to_rgb8());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        rgb.write_with_encoder(encoder).map(|()| "image/jpeg")
    };
    let content_type = encoded.map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(Avatar { content_type: content_type.to_owned(), image: out.into_inner() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let image = if alpha {
            DynamicImage::new_rgba8(width, height)
        } else {
            DynamicImage::new_rgb8(width, height)
        };
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn side(avatar: &Avatar) -> (u32, u32) {
        let image = image::load_from_memory(&avatar.image).unwrap();
        (image.width(), image.height())
    }

    #[test]
    fn images_become_256_px_squares() {
        let opaque = square(&png(640, 480, false)).unwrap();
        assert_eq!((opaque.content_type.as_str(), side(&opaque)), ("image/jpeg", (256, 256)));
        let transparent = square(&png(100, 300, true)).unwrap();
        assert_eq!(
            (transparent.content_type.as_str(), side(&transparent)),
            ("image/png", (256, 256))
        );
    }

    #[test]
    fn images_that_decode_too_large_are_refused_before_decoding() {
        // A few hundred bytes on the wire, more pixels than allowed once decoded.
        for (width, height) in [(MAX_SIDE + 1, 1), (1, MAX_SIDE + 1), (5000, 5000)] {
            let upload = png(width, height, false);
            assert!(upload.len() < MAX_BYTES);
            let Err(ServiceError::Validation(fields)) = square(&upload) else {
                panic!("{width}x{height} was accepted")
            };
            assert_eq!(fields["avatar"], ["too_many_pixels"], "{width}x{height}");
        }
    }

    #[test]
    fn anything_but_a_whole_image_is_refused() {
        let text = b"just some text renamed to photo.png".to_vec();
        let mut truncated = png(64, 64, false);
        truncated.truncate(truncated.len() / 2);
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
        for bad in [text, truncated, gif, Vec::new()] {
            assert!(matches!(square(&bad), Err(ServiceError::Validation(_))));
        }
    }
}

#[cfg(test)]
#[path = "avatar_fuzz.rs"]
mod fuzz;
