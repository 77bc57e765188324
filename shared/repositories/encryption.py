"""Envelope-free encryption of small secrets (refresh tokens) with KMS, bound to an encryption context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


class DecryptionError(RuntimeError):
    """A ciphertext could not be decrypted: wrong key, tampered data or a context it was not encrypted with."""


class Encryptor(Protocol):
    """Encrypts and decrypts bytes bound to a context; decrypting with another context must fail."""

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        """The ciphertext of `plaintext`, bound to `context`."""
        ...

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes:
        """The plaintext; raises DecryptionError when the context or the data do not match."""
        ...


class KmsEncryptor:
    """KMS Encrypt/Decrypt with a customer-managed key (secrets up to 4 KB, which a refresh token is)."""

    def __init__(self, key_arn: str, kms_client: KMSClient) -> None:
        self._key_arn = key_arn
        self._kms = kms_client

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        """Encrypts under the key with the encryption context as additional authenticated data."""
        response = self._kms.encrypt(KeyId=self._key_arn, Plaintext=plaintext, EncryptionContext=context)
        return response["CiphertextBlob"]

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes:
        """Decrypts, pinning the key so a ciphertext of another key is refused too."""
        try:
            response = self._kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context, KeyId=self._key_arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"InvalidCiphertextException", "IncorrectKeyException"}:
                raise DecryptionError("the ciphertext does not decrypt under this key and context") from None
            raise
        return response["Plaintext"]
