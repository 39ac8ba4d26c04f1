import AzureIoT

/// A group enrollment refuses a CA-signed certificate sent without its intermediates with the
/// same 401002 as a certificate it has never heard of (protocol-facts.md §0.5); what the
/// certificate file holds tells the two apart, so the device can name the likely fix.
public enum CertificateChainAdvice {
    /// A sentence to add to a DPS refusal, or nil when the file's shape explains nothing.
    /// - Parameters:
    ///   - intermediates: certificates after the leaf in the certificate file.
    ///   - leafIsSelfIssued: a self-signed leaf belongs to an individual enrollment, which needs no chain.
    public static func note(
        for error: ProvisioningError,
        intermediates: Int,
        leafIsSelfIssued: Bool,
        certificatePath: String
    ) -> String? {
        guard case .rejected(let failure) = error, failure.httpStatus == 401 || failure.errorCode == 401002 else { return nil }
        guard !leafIsSelfIssued, intermediates == 0 else { return nil }
        return "\(certificatePath) holds only the device certificate, which a CA signed: an enrollment group needs the chain up to its CA — append the intermediate CA certificate(s) after the device certificate in that file"
    }
}
