//! Password hashing with argon2id, kept off the async runtime, and temporary passwords.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{Rng as _, rngs::OsRng};
use shared::Password;
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

use super::ServiceError;

/// OWASP's argon2id recommendation: 19 MiB of memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
/// Passes over memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// Hashes and verifies passwords on the blocking pool. At most one hash per core runs at once, so a
/// burst of sign-ins queues instead of exhausting memory or starving request handling.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A hash of a random password with the same parameters, verified against when the account
    /// does not exist, so that answer costs exactly as long as a wrong password.
    dummy: Arc<OnceCell<String>>,
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self { permits: Arc::new(Semaphore::new(cores)), dummy: Arc::default() }
    }
}

impl Passwords {
    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for the password.
    #[tracing::instrument(skip_all)]
    pub async fn hash(&self, password: &Password) -> Result<String, ServiceError> {
        let clear = password.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2id()
                .hash_password(clear.expose().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| ServiceError::Internal(format!("argon2 hash: {e}")))
        })
        .await
    }

    /// Whether the password matches the PHC string, with the parameters stored in it.
    #[tracing::instrument(skip_all)]
    pub async fn verify(&self, password: &Password, phc: &str) -> Result<bool, ServiceError> {
        let clear = password.clone();
        let phc = phc.to_owned();
        self.run(move || {
            let parsed = PasswordHash::new(&phc)
                .map_err(|e| ServiceError::Internal(format!("stored hash unreadable: {e}")))?;
            Ok(argon2id().verify_password(clear.expose().as_bytes(), &parsed).is_ok())
        })
        .await
    }

    /// Spends the time of one verification and answers `false`: for unknown accounts.
    #[tracing::instrument(skip_all)]
    pub async fn verify_nothing(&self, password: &Password) -> Result<bool, ServiceError> {
        let dummy = self
            .dummy
            .get_or_try_init(|| async {
                let random = generate_temporary();
                self.hash(&random).await
            })
            .await?;
        self.verify(password, dummy).await.map(|_| false)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ServiceError::Internal("password semaphore closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServiceError::Internal(format!("password task failed: {e}")))?
    }
}

fn argon2id() -> Argon2<'static> {
    // The parameters are constants within argon2's documented ranges, so this cannot fail.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Characters of generated passwords: no look-alikes (0/O, 1/l/I), easy to read out and type.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Groups × group length: 24 random characters, about 139 bits.
const GROUPS: usize = 4;
const GROUP_LEN: usize = 6;

/// A fresh temporary password like `Xk7pQm-ab3RtZ-…`: 24 random characters in four groups.
pub fn generate_temporary() -> Password {
    let mut rng = OsRng;
    let groups: Vec<String> = (0..GROUPS)
        .map(|_| {
            (0..GROUP_LEN).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
        })
        .collect();
    Password::new(groups.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_argon2id_parameters_and_verifies() {
        let passwords = Passwords::default();
        let password = Password::new("a long enough passphrase");
        let phc = passwords.hash(&password).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(passwords.verify(&password, &phc).await.unwrap());
        assert!(!passwords.verify(&Password::new("a long enough passphrasE"), &phc).await.unwrap());
    }

    #[test]
    fn temporary_passwords_are_long_random_and_readable() {
        let a = generate_temporary();
        let b = generate_temporary();
        assert_ne!(a, b);
        let clear = a.expose();
        assert_eq!(clear.len(), GROUPS * GROUP_LEN + GROUPS - 1);
        assert!(clear.chars().filter(|c| *c != '-').all(|c| ALPHABET.contains(&(c as u8))));
    }
}
