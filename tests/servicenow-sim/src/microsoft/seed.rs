//! The demo tenant: its constants (tenant, app registration, accounts,
//! scope), and the Secure Score data it serves: about 240 control profiles
//! over Identity, Data, Device, Apps and Infrastructure (a few still say the
//! old "Account"), hand-written ones for the well-known controls and many
//! generated from lists of products and settings; and 90 daily score
//! snapshots whose points move a little from day to day. All from a small
//! seeded generator, so every run serves the same data (dates aside).
//!
//! The real service's mismatches are built in: a few scores name a control
//! that has no profile ([`ORPHAN_CONTROLS`]), a few profiles have no score
//! ([`UNSCORED_CONTROLS`]), one control appears twice in every snapshot
//! ([`DUPLICATE_CONTROL`], the second entry at 0 points), some profiles are
//! deprecated, a few `maxScore`s are strings, `tier` comes in mixed casing.
//! Every snapshot's `currentScore` is the sum of its `controlScores[].score`.

use crate::microsoft::state::{MsApp, MsShared, MsUser, Platform, iso, stable_guid};
use crate::pages::esc;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The demo tenant's id.
pub const MS_TENANT_ID: &str = "6f1c3b2a-8d4e-4f7a-9b21-5c0d8e3a7f14";
/// The demo tenant's initial domain.
pub const MS_TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The demo tenant's display name.
pub const MS_TENANT_NAME: &str = "Contoso";
/// The demo app registration: public client ("Mobile and desktop
/// applications", redirect `http://localhost`, "Allow public client flows" on).
pub const MS_CLIENT_ID: &str = "3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23";
pub const MS_APP_NAME: &str = "Ticket Bridge";
/// The demo app's one redirect URI (any port on localhost matches).
pub const MS_REDIRECT_URI: &str = "http://localhost";
/// A Global Administrator (may grant admin consent).
pub const MS_ADMIN: &str = "admin@contoso.onmicrosoft.com";
pub const MS_ADMIN_NAME: &str = "Megan Bowen";
/// A Security Reader (reads Secure Score, cannot consent).
pub const MS_READER: &str = "reader@contoso.onmicrosoft.com";
pub const MS_READER_NAME: &str = "Alex Wilber";
/// A user without any role (Graph answers 403).
pub const MS_NO_ROLE: &str = "user@contoso.onmicrosoft.com";
pub const MS_NO_ROLE_NAME: &str = "Lee Gu";
/// Every demo account's password.
pub const MS_PASSWORD: &str = "Passw0rd!";
/// The scope the app asks for.
pub const MS_SCOPE: &str =
    "https://graph.microsoft.com/SecurityEvents.Read.All offline_access openid profile";
/// Scored controls that have no profile.
pub const ORPHAN_CONTROLS: [&str; 3] = [
    "aad_custom_banned_passwords",
    "mcas_ThirdPartyApps",
    "exo_antispoofing_legacy",
];
/// Profiles (not deprecated) that no snapshot scores.
pub const UNSCORED_CONTROLS: [&str; 3] = [
    "aad_phishing_MFA_strength",
    "mcas_connect_miro",
    "mdc_defender_for_apis",
];
/// The control listed twice in every snapshot (the second time at 0 points).
pub const DUPLICATE_CONTROL: &str = "mdo_zapspam";
/// How many daily snapshots the demo tenant has.
pub const SNAPSHOT_DAYS: usize = 90;

/// The demo app registration as registered.
pub fn demo_app() -> MsApp {
    MsApp {
        client_id: MS_CLIENT_ID.into(),
        name: MS_APP_NAME.into(),
        platform: Platform::Public,
        redirect_uris: vec![MS_REDIRECT_URI.into()],
        public_client_flows: true,
        client_secret: None,
        multi_tenant: false,
        graph_permissions: vec!["SecurityEvents.Read.All".into()],
    }
}

/// The demo accounts.
pub fn demo_users() -> Vec<MsUser> {
    [
        (MS_ADMIN, MS_ADMIN_NAME, "Global Administrator"),
        (MS_READER, MS_READER_NAME, "Security Reader"),
        (MS_NO_ROLE, MS_NO_ROLE_NAME, ""),
    ]
    .into_iter()
    .map(|(upn, name, role)| MsUser {
        oid: stable_guid(&format!("user:{upn}")),
        upn: upn.into(),
        display_name: name.into(),
        password: MS_PASSWORD.into(),
        roles: if role.is_empty() {
            Vec::new()
        } else {
            vec![role.into()]
        },
    })
    .collect()
}

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same data on every platform and every `rand` version.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// How a control earns its points, which decides how its score moves and
/// what its `implementationStatus` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// All or nothing (a setting or a policy).
    Binary,
    /// In proportion to the users covered.
    Users,
    /// In proportion to the devices not exposed.
    Devices,
    /// A recurring review.
    Review,
}

/// One control profile before it becomes JSON.
struct Spec {
    id: String,
    title: String,
    category: &'static str,
    service: &'static str,
    max: f64,
    kind: Kind,
    why: String,
    steps: Vec<String>,
    deprecated: bool,
}

/// (id, title, category, service, max points, kind, why, steps)
type Hand = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    Kind,
    &'static str,
    &'static [&'static str],
);

const HAND: &[Hand] = &[
    (
        "AdminMFAV2",
        "Ensure multifactor authentication is enabled for all users in administrative roles",
        "Identity",
        "AzureAD",
        10.0,
        Kind::Users,
        "Requiring multifactor authentication (MFA) for administrative roles makes it harder for attackers to access accounts.",
        &[
            "Create a Conditional Access policy that targets the directory roles.",
            "Under Grant, select Require multifactor authentication.",
            "Exclude your break-glass accounts & turn the policy on.",
        ],
    ),
    (
        "MFARegistrationV2",
        "Ensure all users can complete multifactor authentication",
        "Identity",
        "AzureAD",
        9.0,
        Kind::Users,
        "Help protect devices and data that are accessible to these users with MFA.",
        &[
            "Open Protection > Authentication methods > Registration campaign.",
            "Set State to Enabled for all users.",
            "Save, and follow up with users who haven't registered.",
        ],
    ),
    (
        "BlockLegacyAuthentication",
        "Enable Conditional Access policies to block legacy authentication",
        "Identity",
        "AzureAD",
        8.0,
        Kind::Binary,
        "Today, most compromising sign-in attempts come from legacy authentication. Older Office clients such as Office 2010 don't support modern authentication.",
        &[
            "Create a new Conditional Access policy for all users.",
            "Under Conditions > Client apps, select Exchange ActiveSync clients and Other clients.",
            "Under Grant, select Block access.",
        ],
    ),
    (
        "SelfServicePasswordReset",
        "Enable self-service password reset",
        "Account",
        "AzureAD",
        1.0,
        Kind::Binary,
        "With self-service password reset in Microsoft Entra ID, users no longer need to engage the help desk to reset passwords.",
        &[
            "Open Protection > Password reset.",
            "Set Self service password reset enabled to All.",
            "Require two methods to reset.",
        ],
    ),
    (
        "OneAdmin",
        "Designate more than one global admin",
        "Identity",
        "AzureAD",
        1.0,
        Kind::Binary,
        "Having more than one global administrator helps if you're unable to fulfill the needs or obligations of your organization.",
        &[
            "Open Roles & admins > Global Administrator.",
            "Select Add assignments and choose a second, trusted account.",
        ],
    ),
    (
        "PWAgePolicyNew",
        "Set the password expiration policy to never expire",
        "Identity",
        "AzureAD",
        8.0,
        Kind::Binary,
        "Research has found that when periodic password resets are enforced, passwords become less secure.",
        &[
            "Open Settings > Org settings > Security & privacy > Password expiration policy.",
            "Select Set passwords to never expire.",
        ],
    ),
    (
        "SigninRiskPolicy",
        "Enable Microsoft Entra ID Identity Protection sign-in risk policies",
        "Identity",
        "AzureAD",
        7.0,
        Kind::Binary,
        "Turning on the sign-in risk policy ensures that suspicious sign-ins are challenged for multifactor authentication.",
        &[
            "Create a Conditional Access policy with Conditions > Sign-in risk set to High and Medium.",
            "Under Grant, require multifactor authentication.",
        ],
    ),
    (
        "UserRiskPolicy",
        "Enable Microsoft Entra ID Identity Protection user risk policies",
        "Identity",
        "AzureAD",
        7.0,
        Kind::Binary,
        "With the user risk policy turned on, Microsoft Entra ID detects the probability that a user account has been compromised.",
        &[
            "Create a Conditional Access policy with Conditions > User risk set to High.",
            "Under Grant, require a password change.",
        ],
    ),
    (
        "IntegratedApps",
        "Do not allow users to grant consent to unreliable applications",
        "Apps",
        "AzureAD",
        4.0,
        Kind::Binary,
        "Tighten the security of your services by regulating the access of third-party integrated apps.",
        &[
            "Open Enterprise applications > Consent and permissions > User consent settings.",
            "Select Allow user consent for apps from verified publishers, for selected permissions.",
        ],
    ),
    (
        "aad_limited_administrative_roles",
        "Use least privileged administrative roles",
        "Identity",
        "AzureAD",
        1.0,
        Kind::Binary,
        "Assign users roles with the least privilege needed to do their jobs: fewer Global Administrators, more limited roles.",
        &[
            "Review the members of the Global Administrator role.",
            "Replace assignments with roles such as Exchange Administrator or Security Reader.",
        ],
    ),
    (
        "aad_admin_accounts_separate_unassigned_cloud_only",
        "Ensure administrative accounts are separate, unassigned, and cloud-only",
        "Account",
        "AzureAD",
        3.0,
        Kind::Users,
        "Administrative accounts should be cloud-only, carry no licenses for productivity apps, and be separate from day-to-day accounts.",
        &[
            "Create a cloud-only admin account for each administrator.",
            "Remove the roles from their everyday, synchronized accounts.",
        ],
    ),
    (
        "aad_password_protection",
        "Enable Microsoft Entra ID Password Protection for Active Directory",
        "Identity",
        "AzureAD",
        1.0,
        Kind::Binary,
        "Password protection detects and blocks known weak passwords and their variants on premises too.",
        &[
            "Open Protection > Authentication methods > Password protection.",
            "Set Enable password protection on Windows Server Active Directory to Yes and Mode to Enforced.",
        ],
    ),
    (
        "aad_sign_in_freq_session_timeout",
        "Ensure 'Sign-in frequency' is enabled and browser sessions are not persistent for administrative users",
        "Identity",
        "AzureAD",
        8.0,
        Kind::Binary,
        "Forcing a time-out for administrative sessions reduces the time an attacker has with a stolen session.",
        &[
            "Create a Conditional Access policy for the directory roles.",
            "Under Session, set Sign-in frequency to 4 hours and Persistent browser session to Never persistent.",
        ],
    ),
    (
        "aad_phishing_MFA_strength",
        "Ensure 'Phishing-resistant MFA strength' is required for administrators",
        "Identity",
        "AzureAD",
        8.0,
        Kind::Users,
        "Phishing-resistant methods (FIDO2 security keys, Windows Hello for Business, certificates) cannot be relayed by an adversary in the middle.",
        &[
            "Create a Conditional Access policy for the directory roles.",
            "Under Grant, select Require authentication strength > Phishing-resistant MFA.",
        ],
    ),
    (
        "aad_guest_invite_restrictions",
        "Ensure that only users with specific admin roles can invite guest users",
        "Identity",
        "AzureAD",
        1.0,
        Kind::Binary,
        "Restricting invitations reduces the chance that an unknown external account gets access to your data.",
        &[
            "Open External Identities > External collaboration settings.",
            "Under Guest invite settings, select Only users assigned to specific admin roles can invite guest users.",
        ],
    ),
    (
        "aad_use_pim",
        "Use Microsoft Entra Privileged Identity Management for administrative roles",
        "Identity",
        "AzureAD",
        4.0,
        Kind::Users,
        "Just-in-time activation means no one holds a standing privileged role.",
        &[
            "Open Identity governance > Privileged Identity Management.",
            "Make the role assignments eligible instead of active.",
        ],
    ),
    (
        "aad_block_device_code_flow",
        "Block device code flow with Conditional Access",
        "Identity",
        "AzureAD",
        3.0,
        Kind::Binary,
        "Device code phishing tricks users into signing in on an attacker's device.",
        &[
            "Create a Conditional Access policy for all users.",
            "Under Conditions > Authentication flows, select Device code flow; under Grant, select Block access.",
        ],
    ),
    (
        "DLPEnabled",
        "Apply Data Loss Prevention policies",
        "Data",
        "IP",
        10.0,
        Kind::Binary,
        "Data Loss Prevention (DLP) policies help you comply with business standards and industry regulations.",
        &[
            "Open Data loss prevention > Policies.",
            "Create a policy from the Financial or Privacy templates.",
            "Include Exchange, SharePoint, OneDrive & Teams locations.",
        ],
    ),
    (
        "AuditLogSearch",
        "Turn on audit data recording",
        "Data",
        "IP",
        3.0,
        Kind::Binary,
        "Turning on audit data recording allows you to search the unified audit log for user and admin activity.",
        &[
            "Open Audit.",
            "Select Start recording user and admin activity.",
        ],
    ),
    (
        "mip_sensitivitylabelspolicies",
        "Publish M365 sensitivity label data classification policies",
        "Data",
        "IP",
        8.0,
        Kind::Binary,
        "Sensitivity labels let users classify documents and email, and apply protection that travels with the content.",
        &[
            "Open Information protection > Sensitivity labels.",
            "Create labels (for example Public, General, Confidential) and publish them to all users.",
        ],
    ),
    (
        "mip_autosensitivitylabelspolicies",
        "Create auto-labeling policies for sensitive content",
        "Data",
        "IP",
        5.0,
        Kind::Binary,
        "Auto-labeling applies sensitivity labels to content that contains sensitive information without waiting for users.",
        &[
            "Open Information protection > Auto-labeling.",
            "Create a policy for content with credit card numbers & national IDs, in simulation first.",
        ],
    ),
    (
        "CustomerLockBoxEnabled",
        "Turn on customer lockbox feature",
        "Data",
        "EXO",
        5.0,
        Kind::Binary,
        "Customer Lockbox ensures that Microsoft can't access your content to do service operations without your explicit approval.",
        &[
            "Open Settings > Org settings > Security & privacy > Customer Lockbox.",
            "Select Require approval for all data access requests.",
        ],
    ),
    (
        "exo_mailboxaudit",
        "Ensure mailbox auditing for all users is Enabled",
        "Data",
        "EXO",
        5.0,
        Kind::Binary,
        "Mailbox audit logs record actions taken by owners, delegates and admins, which investigations rely on.",
        &[
            "Run Set-OrganizationConfig -AuditDisabled $false in Exchange Online PowerShell.",
            "Check that no mailbox has AuditBypassEnabled set.",
        ],
    ),
    (
        "NonOwnerAccess",
        "Review mailbox access by non-owners bi-weekly",
        "Data",
        "EXO",
        5.0,
        Kind::Review,
        "Reviewing who other than the owner opens a mailbox can reveal a compromised account or an insider.",
        &[
            "Open the non-owner mailbox access report.",
            "Search the last 14 days for access by all non-owners and external users.",
        ],
    ),
    (
        "exo_individualsharing",
        "Ensure calendar details sharing with external users is disabled",
        "Data",
        "EXO",
        2.0,
        Kind::Binary,
        "Calendars reveal who meets whom and when, which helps attackers plan social engineering.",
        &[
            "Open Settings > Org settings > Calendar.",
            "Clear Let your users share their calendars with people outside of your organization.",
        ],
    ),
    (
        "spo_external_sharing",
        "Ensure external content sharing is restricted for SharePoint and OneDrive",
        "Data",
        "SPO",
        2.0,
        Kind::Binary,
        "Anyone links can be forwarded without limit; restrict sharing to new and existing guests.",
        &[
            "Open Policies > Sharing.",
            "Set SharePoint and OneDrive to New and existing guests or lower.",
        ],
    ),
    (
        "mdo_safelinksforemail",
        "Ensure Safe Links for Email is enabled",
        "Apps",
        "MDO",
        9.0,
        Kind::Binary,
        "Safe Links checks URLs in email messages when they are selected and blocks malicious sites.",
        &[
            "Open Email & collaboration > Policies & rules > Threat policies > Safe Links.",
            "Create a policy for all recipients with On: Safe Links checks a list of known, malicious links.",
        ],
    ),
    (
        "mdo_safelinksforOfficeApps",
        "Ensure Safe Links for Office applications is enabled",
        "Apps",
        "MDO",
        8.0,
        Kind::Binary,
        "Safe Links protection also covers links in Word, Excel, PowerPoint and Teams.",
        &[
            "Edit the Safe Links policy.",
            "Under Teams & Office 365 apps, turn on Safe Links for Office 365 apps.",
        ],
    ),
    (
        "mdo_safeattachments",
        "Turn on Safe Attachments in block mode",
        "Apps",
        "MDO",
        8.0,
        Kind::Binary,
        "Safe Attachments opens attachments in a detonation chamber before they reach users.",
        &[
            "Open Threat policies > Safe Attachments.",
            "Create a policy for all recipients with the Block action.",
        ],
    ),
    (
        "mdo_atpprotection",
        "Turn on Microsoft Defender for Office 365 in SharePoint, OneDrive, and Microsoft Teams",
        "Apps",
        "MDO",
        8.0,
        Kind::Binary,
        "Malicious files uploaded to SharePoint, OneDrive or Teams are detected and blocked.",
        &[
            "Open Threat policies > Safe Attachments > Global settings.",
            "Turn on Defender for Office 365 for SharePoint, OneDrive, and Microsoft Teams.",
        ],
    ),
    (
        "mdo_zapspam",
        "Ensure that Zero-hour auto purge for spam is enabled",
        "Apps",
        "MDO",
        9.0,
        Kind::Binary,
        "Zero-hour auto purge moves spam to the Junk Email folder after delivery once it is detected.",
        &[
            "Open Threat policies > Anti-spam policies > Anti-spam inbound policy (Default).",
            "Turn on Zero-hour auto purge (ZAP) for spam messages.",
        ],
    ),
    (
        "mdo_zapmalware",
        "Ensure that Zero-hour auto purge for malware is enabled",
        "Apps",
        "MDO",
        9.0,
        Kind::Binary,
        "Zero-hour auto purge quarantines delivered messages that are later found to carry malware.",
        &[
            "Open Threat policies > Anti-malware.",
            "Turn on Zero-hour auto purge for malware.",
        ],
    ),
    (
        "mdo_zapphish",
        "Ensure that Zero-hour auto purge for phishing messages is enabled",
        "Apps",
        "MDO",
        9.0,
        Kind::Binary,
        "Zero-hour auto purge removes phishing messages from mailboxes after delivery.",
        &[
            "Open the Anti-spam inbound policy.",
            "Turn on Zero-hour auto purge (ZAP) for phishing messages.",
        ],
    ),
    (
        "mdo_commonattachmentsfilter",
        "Ensure the common attachment types filter is enabled",
        "Apps",
        "MDO",
        5.0,
        Kind::Binary,
        "Blocking file types such as .ace, .ani, .exe and .iso stops a common way of delivering malware.",
        &[
            "Open Threat policies > Anti-malware > Default.",
            "Turn on Enable the common attachments filter.",
        ],
    ),
    (
        "mdo_phishthresholdlevel",
        "Set the phishing email level threshold at 2 or higher",
        "Apps",
        "MDO",
        5.0,
        Kind::Binary,
        "A higher threshold makes the machine learning models treat more messages as phishing.",
        &[
            "Open Threat policies > Anti-phishing.",
            "Set Phishing email threshold to 2 - Aggressive.",
        ],
    ),
    (
        "mdo_mailboxintelligenceprotection",
        "Enable impersonated user protection via mailbox intelligence",
        "Apps",
        "MDO",
        3.0,
        Kind::Binary,
        "Mailbox intelligence learns who each user communicates with and flags impersonation attempts.",
        &[
            "Edit the anti-phishing policy.",
            "Turn on Enable mailbox intelligence and Enable intelligence for impersonation protection.",
        ],
    ),
    (
        "mdo_targeteduserprotection",
        "Enable impersonated user protection",
        "Apps",
        "MDO",
        3.0,
        Kind::Users,
        "Executives and finance staff are the usual targets of impersonation.",
        &[
            "Edit the anti-phishing policy.",
            "Add the users to protect under Enable users to protect, and quarantine the messages.",
        ],
    ),
    (
        "mdo_targeteddomainprotection",
        "Enable impersonated domain protection",
        "Apps",
        "MDO",
        3.0,
        Kind::Binary,
        "Look-alike domains (contoso.co instead of contoso.com) are a common phishing trick.",
        &[
            "Edit the anti-phishing policy.",
            "Turn on Include domains I own and add your partners' domains.",
        ],
    ),
    (
        "mdo_highconfidencespamaction",
        "Set action to take on high confidence spam detection",
        "Apps",
        "MDO",
        3.0,
        Kind::Binary,
        "High confidence spam should not reach the Junk Email folder where users may still open it.",
        &[
            "Edit the anti-spam inbound policy.",
            "Set High confidence spam to Quarantine message.",
        ],
    ),
    (
        "mdo_highconfidencephishaction",
        "Set action to take on high confidence phishing detection",
        "Apps",
        "MDO",
        3.0,
        Kind::Binary,
        "High confidence phishing should always be quarantined.",
        &[
            "Edit the anti-spam inbound policy.",
            "Set High confidence phishing to Quarantine message.",
        ],
    ),
    (
        "exo_oauth2clientprofileenabled",
        "Ensure modern authentication for Exchange Online is enabled",
        "Apps",
        "EXO",
        9.0,
        Kind::Binary,
        "Modern authentication enables multifactor authentication and Conditional Access for Outlook.",
        &[
            "Run Set-OrganizationConfig -OAuth2ClientProfileEnabled $true in Exchange Online PowerShell.",
        ],
    ),
    (
        "exo_storageproviderrestricted",
        "Ensure additional storage providers are restricted in Outlook on the web",
        "Apps",
        "EXO",
        3.0,
        Kind::Binary,
        "Third-party storage providers in Outlook on the web are a path for data to leave the organization.",
        &[
            "Run Set-OwaMailboxPolicy -Identity OwaMailboxPolicy-Default -AdditionalStorageProvidersAvailable $false.",
        ],
    ),
    (
        "exo_outlookaddins",
        "Ensure users installing Outlook add-ins is not allowed",
        "Apps",
        "EXO",
        2.0,
        Kind::Binary,
        "Add-ins can read and send mail on the user's behalf.",
        &[
            "Open Roles > User roles > Default Role Assignment Policy.",
            "Clear My Custom Apps, My Marketplace Apps and My ReadWriteMailbox Apps.",
        ],
    ),
    (
        "exo_mailtipsenabled",
        "Ensure MailTips are enabled for end users",
        "Apps",
        "EXO",
        2.0,
        Kind::Binary,
        "MailTips warn users before they send to external recipients or large groups.",
        &[
            "Run Set-OrganizationConfig -MailTipsAllTipsEnabled $true -MailTipsExternalRecipientsTipsEnabled $true.",
        ],
    ),
    (
        "exo_transportrules",
        "Ensure mail transport rules do not allow specific domains",
        "Apps",
        "EXO",
        1.0,
        Kind::Review,
        "Transport rules that skip spam filtering for a domain let spoofed mail from it through.",
        &[
            "Open Mail flow > Rules.",
            "Remove rules that set the spam confidence level to -1 for a sender domain.",
        ],
    ),
    (
        "exo_smtpauthdisabled",
        "Ensure SMTP AUTH is disabled",
        "Apps",
        "EXO",
        3.0,
        Kind::Binary,
        "SMTP AUTH is basic authentication; it cannot do multifactor authentication.",
        &[
            "Run Set-TransportConfig -SmtpClientAuthenticationDisabled $true.",
            "Turn it back on only for the mailboxes of devices that need it.",
        ],
    ),
    (
        "spo_legacy_auth",
        "Ensure modern authentication for SharePoint applications is required",
        "Apps",
        "SPO",
        2.0,
        Kind::Binary,
        "Apps that don't use modern authentication bypass Conditional Access.",
        &[
            "Open Policies > Access control > Apps that don't use modern authentication.",
            "Select Block access.",
        ],
    ),
    (
        "spo_idle_session_timeout",
        "Ensure that idle session timeout is set for SharePoint and OneDrive",
        "Apps",
        "SPO",
        2.0,
        Kind::Binary,
        "Idle sessions on shared or lost devices give others access to files.",
        &[
            "Open Policies > Access control > Idle session sign-out.",
            "Sign users out after 1 hour of inactivity.",
        ],
    ),
    (
        "mde_onboarding",
        "Onboard devices to Microsoft Defender for Endpoint",
        "Device",
        "MDATP",
        10.0,
        Kind::Devices,
        "Devices that are not onboarded send no signals and get no protection from Defender for Endpoint.",
        &[
            "Open Settings > Endpoints > Onboarding.",
            "Deploy the onboarding package with Intune or Group Policy.",
        ],
    ),
    (
        "scid_91",
        "Enable 'Local Security Authority (LSA) protection'",
        "Device",
        "MDATP",
        6.0,
        Kind::Devices,
        "Running LSA as a protected process stops credential theft tools that read its memory.",
        &[
            "Set HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\RunAsPPL to 1.",
            "Restart the devices.",
        ],
    ),
    (
        "scid_2010",
        "Turn on Microsoft Defender Antivirus PUA protection in block mode",
        "Device",
        "MDATP",
        7.0,
        Kind::Devices,
        "Potentially unwanted applications (adware, bundlers, coin miners) slow devices and hide real threats.",
        &[
            "In Intune, edit the Antivirus policy.",
            "Set Allow PUA protection to Block.",
        ],
    ),
];

/// Windows and Defender settings of Defender for Endpoint (`scid_`).
const SCID: &[(u32, &str)] = &[
    (1, "Disable 'Autoplay' for all drives"),
    (
        2,
        "Set default behavior for 'AutoRun' to 'Enabled: Do not execute any autorun commands'",
    ),
    (3, "Disable 'Autoplay for non-volume devices'"),
    (
        5,
        "Enable 'Apply UAC restrictions to local accounts on network logons'",
    ),
    (6, "Disable 'Enumerate administrator accounts on elevation'"),
    (7, "Disable 'Allow Basic authentication' for WinRM Client"),
    (8, "Disable 'Allow Basic authentication' for WinRM Service"),
    (9, "Disable 'Solicited Remote Assistance'"),
    (
        10,
        "Set 'Minimum password length' to '14 or more character(s)'",
    ),
    (
        11,
        "Set 'Account lockout threshold' to 1-10 invalid login attempts",
    ),
    (
        12,
        "Set 'Maximum password age' to '60 or fewer days, but not 0'",
    ),
    (
        13,
        "Set 'Enforce password history' to '24 or more password(s)'",
    ),
    (
        14,
        "Disable 'Anonymous enumeration of SAM accounts and shares'",
    ),
    (
        15,
        "Set 'Network security: LAN Manager authentication level' to 'Send NTLMv2 response only. Refuse LM & NTLM'",
    ),
    (
        16,
        "Enable 'Microsoft network client: Digitally sign communications (always)'",
    ),
    (
        17,
        "Enable 'Microsoft network server: Digitally sign communications (always)'",
    ),
    (18, "Disable 'Always install with elevated privileges'"),
    (19, "Disable 'WDigest Authentication'"),
    (20, "Disable IP source routing"),
    (
        21,
        "Disable 'Installation and configuration of Network Bridge on your DNS domain network'",
    ),
    (
        22,
        "Prohibit use of Internet Connection Sharing on your DNS domain network",
    ),
    (
        23,
        "Set User Account Control (UAC) to automatically deny elevation requests",
    ),
    (
        24,
        "Enable 'Require domain users to elevate when setting a network's location'",
    ),
    (25, "Disable 'Allow Microsoft accounts to be optional'"),
    (26, "Disable the local storage of passwords and credentials"),
    (
        27,
        "Disable 'Continue running background apps when Google Chrome is closed'",
    ),
    (28, "Block outdated ActiveX controls for Internet Explorer"),
    (
        29,
        "Set 'Interactive logon: Machine inactivity limit' to '900 or fewer second(s), but not 0'",
    ),
    (
        30,
        "Disable 'Network access: Allow anonymous SID/Name translation'",
    ),
    (
        31,
        "Enable 'Audit Credential Validation' for Success and Failure",
    ),
    (32, "Enable 'Audit Security Group Management' for Success"),
    (33, "Enable 'Audit Process Creation' for Success"),
    (
        34,
        "Enable 'Include command line in process creation events'",
    ),
    (35, "Disable SMBv1 client driver"),
    (36, "Disable SMBv1 server"),
    (37, "Disable 'Allow Remote Shell Access'"),
    (38, "Enable 'Turn on PowerShell Script Block Logging'"),
    (39, "Disable Windows PowerShell 2.0"),
    (40, "Set 'Remote Desktop security level' to 'SSL'"),
    (
        41,
        "Enable 'Require user authentication for remote connections by using Network Level Authentication'",
    ),
    (
        42,
        "Disable 'Allow users to connect remotely by using Remote Desktop Services'",
    ),
    (43, "Disable 'Turn off Microsoft Defender SmartScreen'"),
    (
        44,
        "Enable 'Configure Windows Defender SmartScreen' for Microsoft Edge",
    ),
    (45, "Disable 'Allow Windows Ink Workspace' above lock"),
    (
        46,
        "Disable 'Enumerate local users on domain-joined computers'",
    ),
    (
        47,
        "Disable 'Boot-Start Driver Initialization Policy' override",
    ),
    (48, "Enable 'Encrypt all BitLocker-supported drives'"),
    (49, "Enable 'Require additional authentication at startup'"),
    (
        50,
        "Set BitLocker drive encryption method to XTS-AES 256-bit",
    ),
    (51, "Disable 'Allow Cortana above lock screen'"),
    (52, "Disable 'Allow indexing of encrypted files'"),
    (53, "Disable JavaScript on Adobe Reader DC"),
    (54, "Disable Flash on Adobe Reader DC"),
    (
        55,
        "Block macros from running in Office files from the Internet (Word)",
    ),
    (
        56,
        "Block macros from running in Office files from the Internet (Excel)",
    ),
    (
        57,
        "Block macros from running in Office files from the Internet (PowerPoint)",
    ),
    (58, "Disable 'Trust access to the VBA project object model'"),
    (59, "Enable 'Block third party cookies' in Google Chrome"),
    (60, "Disable 'Password Manager' in Google Chrome"),
    (61, "Enable 'Require Safe Browsing' in Microsoft Edge"),
    (
        62,
        "Disable 'Allow users to bypass SmartScreen warnings' in Microsoft Edge",
    ),
    (64, "Enable 'Scan all downloaded files and attachments'"),
    (65, "Disable 'Configure Offer Remote Assistance'"),
    (66, "Disable 'Allow unencrypted traffic' for WinRM Client"),
    (67, "Disable 'Allow unencrypted traffic' for WinRM Service"),
    (
        68,
        "Enable 'Network security: Do not store LAN Manager hash value on next password change'",
    ),
    (
        69,
        "Set 'Allow Diagnostic Data' to 'Required diagnostic data' or lower",
    ),
    (
        70,
        "Enable 'Restrict anonymous access to Named Pipes and Shares'",
    ),
    (
        71,
        "Disable 'Turn off Data Execution Prevention for Explorer'",
    ),
    (
        72,
        "Enable 'Prevent users from modifying settings' in Windows Security",
    ),
    (
        73,
        "Disable 'Allow Print Spooler to accept client connections'",
    ),
    (74, "Disable NetBIOS over TCP/IP"),
    (75, "Disable 'Multicast Name Resolution' (LLMNR)"),
    (
        76,
        "Enable 'Do not display network selection UI' on the lock screen",
    ),
    (2000, "Turn on Microsoft Defender Antivirus"),
    (2001, "Turn on real-time protection"),
    (2002, "Turn on cloud-delivered protection"),
    (2003, "Set cloud-delivered protection level to High"),
    (2004, "Turn on behavior monitoring"),
    (2011, "Turn on Tamper Protection"),
    (
        2012,
        "Enable scanning of removable drives during a full scan",
    ),
    (2013, "Enable scanning of archive files"),
    (2014, "Turn on Microsoft Defender Antivirus email scanning"),
    (2016, "Update Microsoft Defender Antivirus definitions"),
    (
        2017,
        "Fix Microsoft Defender Antivirus cloud service connectivity",
    ),
    (2020, "Turn on network protection in block mode"),
    (2021, "Enable Controlled Folder Access"),
    (
        2022,
        "Turn on Microsoft Defender Antivirus block at first sight",
    ),
    (
        2500,
        "Block executable content from email client and webmail",
    ),
    (
        2501,
        "Block all Office applications from creating child processes",
    ),
    (
        2502,
        "Block Office applications from creating executable content",
    ),
    (
        2503,
        "Block Office applications from injecting code into other processes",
    ),
    (
        2504,
        "Block JavaScript or VBScript from launching downloaded executable content",
    ),
    (2505, "Block execution of potentially obfuscated scripts"),
    (2506, "Block Win32 API calls from Office macros"),
    (
        2507,
        "Block credential stealing from the Windows local security authority subsystem",
    ),
    (
        2508,
        "Block process creations originating from PSExec and WMI commands",
    ),
    (
        2509,
        "Block untrusted and unsigned processes that run from USB",
    ),
    (
        2510,
        "Block Office communication application from creating child processes",
    ),
    (2511, "Block Adobe Reader from creating child processes"),
    (2512, "Block persistence through WMI event subscription"),
    (2513, "Use advanced protection against ransomware"),
    (2514, "Block abuse of exploited vulnerable signed drivers"),
    (
        2515,
        "Block executable files from running unless they meet a prevalence, age, or trusted list criterion",
    ),
    (5000, "Turn on Microsoft Defender Firewall (Domain profile)"),
    (
        5001,
        "Turn on Microsoft Defender Firewall (Private profile)",
    ),
    (5002, "Turn on Microsoft Defender Firewall (Public profile)"),
    (
        5003,
        "Set Microsoft Defender Firewall default inbound action to block (Domain profile)",
    ),
    (
        5004,
        "Set Microsoft Defender Firewall default inbound action to block (Private profile)",
    ),
    (
        5005,
        "Set Microsoft Defender Firewall default inbound action to block (Public profile)",
    ),
];

/// Intune: platform x policy.
const INTUNE_PLATFORMS: [(&str, &str); 4] = [
    ("windows", "Windows"),
    ("ios", "iOS/iPadOS"),
    ("android", "Android"),
    ("macos", "macOS"),
];
const INTUNE_POLICIES: [(&str, &str); 3] = [
    ("compliance", "Create a device compliance policy for {}"),
    (
        "config",
        "Create a device configuration profile with security settings for {}",
    ),
    (
        "appprotection",
        "Create an app protection policy for {} devices",
    ),
];

/// Apps connected to Defender for Cloud Apps.
const MCAS_APPS: [(&str, &str); 15] = [
    ("box", "Box"),
    ("dropbox", "Dropbox"),
    ("salesforce", "Salesforce"),
    ("servicenow", "ServiceNow"),
    ("googleworkspace", "Google Workspace"),
    ("github", "GitHub Enterprise Cloud"),
    ("okta", "Okta"),
    ("zoom", "Zoom"),
    ("slack", "Slack"),
    ("workday", "Workday"),
    ("docusign", "DocuSign"),
    ("atlassian", "Atlassian"),
    ("miro", "Miro"),
    ("webex", "Cisco Webex"),
    ("aws", "Amazon Web Services"),
];

const TEAMS: [(&str, &str); 10] = [
    (
        "meeting_restrictanonymousjoin_v1",
        "Restrict anonymous users from joining meetings",
    ),
    (
        "meeting_autoadmitusers_v1",
        "Only people in my org can bypass the lobby",
    ),
    (
        "meeting_restrictdialinbypasslobby_v1",
        "Restrict dial-in users from bypassing a meeting lobby",
    ),
    (
        "meeting_externalparticipantscontrol_v1",
        "Ensure external participants can't give or request control",
    ),
    (
        "meeting_anonymousstartmeeting_v1",
        "Restrict anonymous users from starting Teams meetings",
    ),
    (
        "meeting_designatedpresenter_v1",
        "Limit external participants from having control in a Teams Live Event",
    ),
    (
        "meeting_chatanonymoususers_v1",
        "Restrict meeting chat to allow anonymous users to chat",
    ),
    (
        "teams_externalfilesharing_v1",
        "Only allow approved cloud storage services for file sharing in Teams",
    ),
    (
        "teams_unmanagedaccounts_v1",
        "Block communication with unmanaged Teams users",
    ),
    (
        "teams_emailintochannel_v1",
        "Disable users from sending emails to a channel email address",
    ),
];

const MDI: [(&str, &str); 12] = [
    (
        "AATP_SensorHealth",
        "Resolve unhealthy sensors in Defender for Identity",
    ),
    (
        "AATP_UnsecureKerberosDelegation",
        "Remove unsecure Kerberos delegation",
    ),
    (
        "AATP_DormantEntities",
        "Remove dormant accounts from sensitive groups",
    ),
    (
        "AATP_ClearTextCredentials",
        "Stop clear text credentials exposure",
    ),
    (
        "AATP_LegacyProtocols",
        "Stop legacy protocols communication",
    ),
    ("AATP_WeakCipher", "Stop weak cipher usage"),
    ("AATP_LAPS", "Install LAPS on all Windows devices"),
    (
        "AATP_SIDHistory",
        "Remove unsecure SID history attributes from entities",
    ),
    (
        "AATP_PrintSpooler",
        "Disable Print spooler service on domain controllers",
    ),
    (
        "AATP_UnconstrainedDelegation",
        "Resolve unsecure account attributes",
    ),
    (
        "AATP_LateralMovementPaths",
        "Reduce lateral movement path risk to sensitive entities",
    ),
    (
        "AATP_UnmonitoredDomainControllers",
        "Configure VPN integration for Defender for Identity",
    ),
];

const INFRA: [(&str, &str); 12] = [
    (
        "mdc_defender_for_servers",
        "Enable Microsoft Defender for Servers",
    ),
    (
        "mdc_defender_for_storage",
        "Enable Microsoft Defender for Storage",
    ),
    (
        "mdc_defender_for_sql",
        "Enable Microsoft Defender for SQL servers on machines",
    ),
    (
        "mdc_defender_for_keyvault",
        "Enable Microsoft Defender for Key Vault",
    ),
    ("mdc_defender_for_dns", "Enable Microsoft Defender for DNS"),
    (
        "mdc_defender_for_appservice",
        "Enable Microsoft Defender for App Service",
    ),
    (
        "mdc_defender_for_containers",
        "Enable Microsoft Defender for Containers",
    ),
    (
        "mdc_defender_for_arm",
        "Enable Microsoft Defender for Resource Manager",
    ),
    (
        "mdc_defender_for_apis",
        "Enable Microsoft Defender for APIs",
    ),
    (
        "mdc_storage_public_access",
        "Storage accounts should restrict public network access",
    ),
    (
        "mdc_vm_jit_access",
        "Management ports of virtual machines should be protected with just-in-time network access control",
    ),
    (
        "mdc_mfa_owner_permissions",
        "Accounts with owner permissions on Azure resources should be MFA enabled",
    ),
];

const PURVIEW: [(&str, &str); 10] = [
    (
        "mip_DLP_teams",
        "Extend DLP policies to Microsoft Teams chats and channels",
    ),
    (
        "mip_DLP_endpoints",
        "Extend DLP policies to Windows devices",
    ),
    (
        "mip_retentionpolicies",
        "Create retention policies for Exchange, SharePoint and OneDrive",
    ),
    (
        "mip_insiderriskpolicies",
        "Create an insider risk management policy",
    ),
    (
        "mip_communicationcompliance",
        "Create a communication compliance policy",
    ),
    (
        "mip_search_auditlog",
        "Retain audit logs for at least one year",
    ),
    (
        "mip_labelsforteamsandsites",
        "Use sensitivity labels to protect Teams, groups and sites",
    ),
    (
        "mip_encryptionforlabels",
        "Apply encryption with sensitivity labels",
    ),
    ("mip_customerkey", "Use Customer Key for data at rest"),
    ("mip_ediscovery_holds", "Review eDiscovery holds quarterly"),
];

/// Retired controls (old data still says "Account").
const DEPRECATED: [(&str, &str, &str, &str); 10] = [
    (
        "AdminMFA",
        "Require MFA for Azure AD privileged roles",
        "Account",
        "AzureAD",
    ),
    (
        "MFARegistration",
        "Register all users for multi-factor authentication",
        "Account",
        "AzureAD",
    ),
    (
        "PWAgePolicy",
        "Do not expire passwords",
        "Account",
        "AzureAD",
    ),
    (
        "SSPR",
        "Enable self-service password reset (legacy)",
        "Account",
        "AzureAD",
    ),
    (
        "RoleOverlap",
        "Reduce overlapping administrative roles",
        "Account",
        "AzureAD",
    ),
    (
        "MailboxAuditing",
        "Enable mailbox auditing for all users (legacy)",
        "Account",
        "EXO",
    ),
    (
        "ATPEnabled",
        "Enable Advanced Threat Protection safe attachments policy",
        "Data",
        "EXO",
    ),
    (
        "CASBEnabled",
        "Connect Office 365 to Cloud App Security",
        "Apps",
        "MCAS",
    ),
    (
        "WindowsDefenderATP",
        "Turn on Windows Defender ATP",
        "Device",
        "MDATP",
    ),
    (
        "mdo_atpprotectionforsharepointonedrive",
        "Turn on ATP for SharePoint and OneDrive (legacy)",
        "Data",
        "MDO",
    ),
];

const THREATS: [&str; 11] = [
    "Account Breach",
    "Data Deletion",
    "Data Exfiltration",
    "Data Spillage",
    "Elevation of Privilege",
    "Malicious Insider",
    "Password Cracking",
    "Phishing or Whaling",
    "Spoofing",
    "Malware",
    "Ransomware",
];

const TIERS: [&str; 9] = [
    "Core",
    "Core",
    "core",
    "Defense in depth",
    "DefenseInDepth",
    "Defense in Depth",
    "Advanced",
    "advanced",
    "Core ",
];

const IMPACT: [&str; 3] = ["Low", "Moderate", "High"];

/// Where a service's settings are: (portal name, URL).
fn portal(service: &str) -> (&'static str, &'static str) {
    match service {
        "AzureAD" => (
            "Microsoft Entra admin center",
            "https://entra.microsoft.com/",
        ),
        "EXO" => (
            "Exchange admin center",
            "https://admin.exchange.microsoft.com/",
        ),
        "SPO" => (
            "SharePoint admin center",
            "https://admin.microsoft.com/sharepoint",
        ),
        "IP" => ("Microsoft Purview portal", "https://purview.microsoft.com/"),
        "MS Teams" => ("Teams admin center", "https://admin.teams.microsoft.com/"),
        "Intune" => (
            "Microsoft Intune admin center",
            "https://intune.microsoft.com/",
        ),
        "MCAS" => (
            "Microsoft Defender portal (Cloud apps)",
            "https://security.microsoft.com/cloudapps/app-connectors",
        ),
        "MDC" => (
            "Microsoft Defender for Cloud",
            "https://portal.azure.com/#view/Microsoft_Azure_Security/SecurityMenuBlade/~/0",
        ),
        _ => (
            "Microsoft Defender portal",
            "https://security.microsoft.com/",
        ),
    }
}

fn specs() -> Vec<Spec> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut out: Vec<Spec> = HAND
        .iter()
        .map(
            |(id, title, category, service, max, kind, why, steps)| Spec {
                id: id.to_string(),
                title: title.to_string(),
                category,
                service,
                max: *max,
                kind: *kind,
                why: why.to_string(),
                steps: s(steps),
                deprecated: false,
            },
        )
        .collect();
    let mut rng = Rng::new(0x5EC0_5C0E);
    for (n, title) in SCID {
        let id = format!("scid_{n}");
        if out.iter().any(|p| p.id == id) {
            continue;
        }
        out.push(Spec {
            id,
            title: title.to_string(),
            category: "Device",
            service: "MDATP",
            max: (1 + rng.below(9)) as f64,
            kind: Kind::Devices,
            why: format!(
                "Devices where \"{title}\" is not in place are exposed to attacks that rely on it."
            ),
            steps: vec![
                format!("Open Vulnerability management > Recommendations and search for \"{title}\"."),
                "Review the exposed devices & the impact, then deploy the setting with Intune or Group Policy.".into(),
                "Start with a pilot group; expand once nothing breaks.".into(),
            ],
            deprecated: false,
        });
    }
    for (pkey, pname) in INTUNE_PLATFORMS {
        for (kkey, template) in INTUNE_POLICIES {
            let title = template.replace("{}", pname);
            out.push(Spec {
                id: format!("intune_{kkey}_{pkey}"),
                why: format!("Without it, {pname} devices reach company data without meeting your security baseline."),
                steps: vec![
                    "Open Devices > Compliance (or Configuration, or Apps > App protection policies).".into(),
                    format!("Create a policy for {pname} and assign it to all users & devices."),
                ],
                title,
                category: "Device",
                service: "Intune",
                max: (2 + rng.below(6)) as f64,
                kind: Kind::Devices,
                deprecated: false,
            });
        }
    }
    for (key, name) in MCAS_APPS {
        out.push(Spec {
            id: format!("mcas_connect_{key}"),
            title: format!("Connect {name} to Microsoft Defender for Cloud Apps"),
            category: "Apps",
            service: "MCAS",
            max: (1 + rng.below(3)) as f64,
            kind: Kind::Binary,
            why: format!(
                "An app connector gives visibility into and control over activity in {name}."
            ),
            steps: vec![
                "Open Settings > Cloud apps > Connected apps > App connectors.".into(),
                format!("Select Connect an app, choose {name}, and follow the wizard."),
            ],
            deprecated: false,
        });
    }
    for (id, title) in TEAMS {
        out.push(Spec {
            id: id.into(),
            title: title.into(),
            category: "Apps",
            service: "MS Teams",
            max: (1 + rng.below(4)) as f64,
            kind: Kind::Binary,
            why: "Meeting and messaging policies decide who outside the organization can join, present and share.".into(),
            steps: vec![
                "Open Meetings > Meeting policies (or Messaging policies) > Global (Org-wide default).".into(),
                format!("Change the setting: {title}."),
            ],
            deprecated: false,
        });
    }
    for (id, title) in MDI {
        out.push(Spec {
            id: id.into(),
            title: title.into(),
            category: "Identity",
            service: "AATP",
            max: (2 + rng.below(7)) as f64,
            kind: if rng.chance(0.5) {
                Kind::Users
            } else {
                Kind::Binary
            },
            why: "Defender for Identity found on-premises Active Directory entities that make lateral movement easier.".into(),
            steps: vec![
                "Open Identities > Identity security posture assessments.".into(),
                format!("Open \"{title}\", review the exposed entities and fix them."),
            ],
            deprecated: false,
        });
    }
    for (id, title) in INFRA {
        out.push(Spec {
            id: id.into(),
            title: title.into(),
            category: "Infrastructure",
            service: "MDC",
            max: (1 + rng.below(5)) as f64,
            kind: Kind::Binary,
            why: "Workloads in Azure subscriptions without Defender plans raise no alerts when attacked.".into(),
            steps: vec![
                "Open Environment settings and select the subscription.".into(),
                format!("Change the plan: {title}."),
            ],
            deprecated: false,
        });
    }
    for (id, title) in PURVIEW {
        let kind = if id.contains("review") || id.contains("holds") {
            Kind::Review
        } else {
            Kind::Binary
        };
        out.push(Spec {
            id: id.into(),
            title: title.into(),
            category: "Data",
            service: "IP",
            max: (2 + rng.below(6)) as f64,
            kind,
            why: "Protect sensitive information wherever it is stored or shared.".into(),
            steps: vec![
                "Open the solution in the Microsoft Purview portal.".into(),
                format!("{title}; start in simulation mode."),
            ],
            deprecated: false,
        });
    }
    for (id, title, category, service) in DEPRECATED {
        out.push(Spec {
            id: id.into(),
            title: title.into(),
            category,
            service,
            max: (1 + rng.below(20)) as f64,
            kind: Kind::Binary,
            why: "This control has been retired; a newer control replaces it.".into(),
            steps: vec!["No action needed.".into()],
            deprecated: true,
        });
    }
    out
}

/// The remediation HTML, in one of a few shapes the real data has.
fn remediation(spec: &Spec, variant: usize) -> String {
    let (portal_name, url) = portal(spec.service);
    let steps: String = spec
        .steps
        .iter()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect();
    let why = esc(&spec.why);
    match variant % 4 {
        0 => format!(
            "<p>{why}</p><p>To do this:</p><ol><li>Go to the <a href=\"{url}\" target=\"_blank\">{portal_name}</a>.</li>{steps}</ol>"
        ),
        1 => {
            let numbered: Vec<String> = spec
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}. {}", i + 2, esc(s)))
                .collect();
            format!(
                "{why}<br/><br/>1. Sign in to the <a href=\"{url}\">{portal_name}</a>.<br/>{}<br/><br/>Learn more: <a href=\"https://learn.microsoft.com/defender-xdr/microsoft-secure-score-improvement-actions\">Secure Score improvement actions</a>",
                numbered.join("<br/>")
            )
        }
        2 => format!(
            "<p>{why}&nbsp;See <a href=\"https://learn.microsoft.com/search/?terms={}\">the documentation</a> for details.</p><ol>{steps}</ol>",
            url::form_urlencoded::byte_serialize(spec.id.as_bytes()).collect::<String>()
        ),
        _ => format!(
            "<div><p><b>{}</b></p><p>{why}</p><ol>{steps}</ol><p>Portal: <a href=\"{url}\">{portal_name}</a> &gt; {}</p></div>",
            esc(&spec.title),
            esc(spec.service)
        ),
    }
}

fn remediation_impact(user_impact: &str, variant: usize) -> String {
    match (user_impact, variant % 3) {
        ("Low", 0) => "This change will have no effect on your users.".into(),
        ("Low", _) => "<p>Users won&#39;t notice this change.</p>".into(),
        ("Moderate", 0) => {
            "<p>Users may be asked to sign in again or to register a method &amp; may contact the help desk.</p>".into()
        }
        ("Moderate", _) => "Some users will see a new prompt.<br/>Tell them before you turn it on.".into(),
        (_, 0) => {
            "<p>Legacy clients &amp; scripts that depend on this will stop working. Plan a pilot.</p><ul><li>Check sign-in logs first.</li></ul>".into()
        }
        _ => "<p>High: every user is affected. Communicate the change &quot;before&quot; it happens.</p>".into(),
    }
}

/// Build the profiles and snapshots into `shared`.
pub fn seed_secure_score(shared: &mut MsShared, now: DateTime<Utc>) {
    let mut rng = Rng::new(0xC0_7050);
    let specs = specs();
    let mut profiles = Vec::with_capacity(specs.len());
    let mut ranks: Vec<usize> = (1..=specs.len()).collect();
    rng.shuffle(&mut ranks);
    let string_max = [
        "OneAdmin",
        "scid_2003",
        "mdo_zapmalware",
        "intune_compliance_ios",
    ];
    for (i, spec) in specs.iter().enumerate() {
        let user_impact = if spec.kind == Kind::Devices {
            *rng.pick(&IMPACT[..2])
        } else {
            *rng.pick(&IMPACT)
        };
        let cost = *rng.pick(&IMPACT);
        let tier = *rng.pick(&TIERS);
        let action_type = match spec.kind {
            Kind::Review => "Review",
            _ if spec.id.starts_with("AATP_") && rng.chance(0.3) => "Behavior",
            _ => "Config",
        };
        let mut threats: Vec<&str> = (0..1 + rng.below(3)).map(|_| *rng.pick(&THREATS)).collect();
        threats.sort_unstable();
        threats.dedup();
        let max = if string_max.contains(&spec.id.as_str()) {
            Value::from(format!("{}", spec.max))
        } else {
            Value::from(spec.max)
        };
        let (_, portal_url) = portal(spec.service);
        let action_url = if rng.chance(0.05) {
            String::new()
        } else {
            portal_url.to_string()
        };
        let updated = iso(now - Duration::days(200 + rng.below(400) as i64));
        let state_roll = rng.unit();
        let mut updates = vec![json!({
            "assignedTo": null,
            "comment": null,
            "state": "Default",
            "updatedBy": null,
            "updatedDateTime": updated,
        })];
        let later = |days: usize| iso(now - Duration::days(days as i64));
        if state_roll > 0.85 {
            let (state, comment) = match (state_roll * 1000.0) as usize % 3 {
                0 => (
                    "Ignored",
                    "Risk accepted: needed by the legacy scanners until Q3.",
                ),
                1 => (
                    "ThirdParty",
                    "Covered by our third-party email gateway & EDR.",
                ),
                _ => ("Reviewed", "Reviewed with the security team."),
            };
            updates.push(json!({
                "assignedTo": "",
                "comment": comment,
                "state": state,
                "updatedBy": MS_ADMIN,
                "updatedDateTime": later(5 + rng.below(60)),
            }));
        }
        let last_modified = if rng.chance(0.2) {
            Value::from(later(10 + rng.below(300)))
        } else {
            Value::Null
        };
        profiles.push(json!({
            "id": spec.id,
            "azureTenantId": MS_TENANT_ID,
            "actionType": action_type,
            "actionUrl": action_url,
            "controlCategory": spec.category,
            "title": spec.title,
            "deprecated": spec.deprecated,
            "implementationCost": cost,
            "lastModifiedDateTime": last_modified,
            "maxScore": max,
            "rank": ranks[i],
            "remediation": remediation(spec, i),
            "remediationImpact": remediation_impact(user_impact, i),
            "service": spec.service,
            "threats": threats,
            "tier": tier,
            "userImpact": user_impact,
            "complianceInformation": null,
            "controlStateUpdates": updates,
            "vendorInformation": vendor(),
        }));
    }
    // Served in an order of its own (neither rank nor id).
    let mut order: Vec<usize> = (0..profiles.len()).collect();
    rng.shuffle(&mut order);
    shared.profiles = order.iter().map(|&i| profiles[i].clone()).collect();

    let orphans: [(&str, &str, f64, Kind, &str); 3] = [
        (
            ORPHAN_CONTROLS[0],
            "Identity",
            1.0,
            Kind::Binary,
            "A custom banned password list blocks words specific to your organization.",
        ),
        (
            ORPHAN_CONTROLS[1],
            "Apps",
            3.0,
            Kind::Users,
            "Review the OAuth apps with high permissions that users have authorized.",
        ),
        (
            ORPHAN_CONTROLS[2],
            "Apps",
            4.0,
            Kind::Binary,
            "Anti-spoofing protection for inbound mail (legacy policy).",
        ),
    ];
    shared.orphan_max = orphans
        .iter()
        .map(|(id, _, max, _, _)| (id.to_string(), *max))
        .collect();
    let mut scored: Vec<Scored> = specs
        .iter()
        .filter(|s| {
            (!s.deprecated || s.id == "AdminMFA") && !UNSCORED_CONTROLS.contains(&s.id.as_str())
        })
        .map(|s| {
            Scored::new(
                &s.id, s.category, s.max, s.kind, &s.why, s.service, &mut rng,
            )
        })
        .collect();
    for (id, category, max, kind, why) in orphans {
        scored.push(Scored::new(id, category, max, kind, why, "", &mut rng));
    }
    let max_total: f64 = specs
        .iter()
        .filter(|s| !s.deprecated)
        .map(|s| s.max)
        .chain(orphans.iter().map(|o| o.2))
        .sum();
    shared.snapshots = snapshots(&mut scored, max_total, now, &mut rng);
}

fn vendor() -> Value {
    json!({
        "provider": "SecureScore",
        "providerVersion": null,
        "subProvider": null,
        "vendor": "Microsoft",
    })
}

/// A control's points over time.
struct Scored {
    id: String,
    category: String,
    description: String,
    max: f64,
    kind: Kind,
    /// Count and total as strings (Defender for Endpoint data does this).
    strings: bool,
    /// Binary and review: on from this day (None = never), off again from `off_from`.
    on_from: Option<usize>,
    off_from: Option<usize>,
    /// Users and devices: how many are covered, and how that drifts.
    covered: f64,
    drift: f64,
}

impl Scored {
    fn new(
        id: &str,
        category: &str,
        max: f64,
        kind: Kind,
        why: &str,
        service: &str,
        rng: &mut Rng,
    ) -> Scored {
        let on_from = match rng.unit() {
            x if x < 0.35 => Some(0),
            x if x < 0.50 => Some(1 + rng.below(SNAPSHOT_DAYS - 1)),
            _ => None,
        };
        let off_from = (on_from.is_some() && rng.chance(0.04))
            .then(|| on_from.unwrap_or(0) + 1 + rng.below(SNAPSHOT_DAYS))
            .filter(|d| *d < SNAPSHOT_DAYS);
        Scored {
            id: id.into(),
            category: category.into(),
            description: why.into(),
            max,
            kind,
            strings: service == "MDATP",
            on_from,
            off_from,
            covered: rng.unit() * 0.8,
            drift: 0.002 + rng.unit() * 0.006,
        }
    }

    /// This control's entry on `day`, with the day's user and device totals.
    fn entry(
        &mut self,
        day: usize,
        users: u32,
        devices: u32,
        synced: &str,
        rng: &mut Rng,
    ) -> Value {
        let on = self.on_from.is_some_and(|d| day >= d) && self.off_from.is_none_or(|d| day < d);
        let (score, status, count, total) = match self.kind {
            Kind::Binary => (
                if on { self.max } else { 0.0 },
                if on {
                    "Completed: the current setting meets the recommendation.".to_string()
                } else {
                    "Not completed: the current setting does not meet the recommendation."
                        .to_string()
                },
                u32::from(on),
                1,
            ),
            Kind::Review => (
                if on { self.max } else { 0.0 },
                if on {
                    format!("Last reviewed {} days ago.", 1 + rng.below(13))
                } else {
                    "Not reviewed in the last 30 days.".to_string()
                },
                u32::from(on),
                1,
            ),
            Kind::Users | Kind::Devices => {
                // Mostly improving, with the odd step back.
                let step = if rng.chance(0.15) {
                    -self.drift
                } else {
                    self.drift
                };
                self.covered = (self.covered + step).clamp(0.0, 1.0);
                let total = if self.kind == Kind::Users {
                    users
                } else {
                    devices
                };
                let count = ((self.covered * f64::from(total)).round() as u32).min(total);
                let left = total - count;
                let status = if self.kind == Kind::Users {
                    format!("You have {left} of {total} users who aren't covered.")
                } else {
                    format!("{left} of {total} devices are exposed.")
                };
                (
                    self.max * f64::from(count) / f64::from(total.max(1)),
                    status,
                    count,
                    total,
                )
            }
        };
        let score = round2(score);
        let number_or_string = |n: u32| {
            if self.strings {
                Value::from(n.to_string())
            } else {
                Value::from(n)
            }
        };
        json!({
            "controlCategory": self.category,
            "controlName": self.id,
            "description": self.description,
            "score": score,
            "scoreInPercentage": round2(if self.max > 0.0 { score / self.max * 100.0 } else { 0.0 }),
            "implementationStatus": status,
            "lastSynced": synced,
            "count": number_or_string(count),
            "total": number_or_string(total),
        })
    }
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Sum of `controlScores[].score`, rounded like the service.
pub fn sum_scores(snapshot: &Value) -> f64 {
    round2(
        snapshot["controlScores"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c["score"].as_f64()).sum())
            .unwrap_or(0.0),
    )
}

fn snapshots(
    scored: &mut [Scored],
    max_total: f64,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<Value> {
    let newest = now.date_naive() - Duration::days(1);
    let mut users: i64 = 26;
    let mut devices: i64 = 41;
    let mut out = Vec::with_capacity(SNAPSHOT_DAYS);
    let services = [
        "HasExchange",
        "HasSharePoint",
        "HasOD4B",
        "HasTeams",
        "HasMDATP",
        "HasMCAS",
        "HasIntune",
        "HasAADP1",
        "HasAADP2",
        "HasMDO",
        "HasInformationProtection",
    ];
    for day in 0..SNAPSHOT_DAYS {
        let date = newest - Duration::days((SNAPSHOT_DAYS - 1 - day) as i64);
        let created = date.and_time(
            NaiveTime::from_hms_opt(2, rng.below(60) as u32, rng.below(60) as u32)
                .unwrap_or_default(),
        );
        let created = DateTime::<Utc>::from_naive_utc_and_offset(created, Utc);
        let synced = iso(created - Duration::hours(3 + rng.below(6) as i64));
        if rng.chance(0.2) {
            users = (users + if rng.chance(0.6) { 1 } else { -1 }).clamp(22, 30);
        }
        if rng.chance(0.3) {
            devices = (devices + if rng.chance(0.6) { 1 } else { -1 }).clamp(36, 48);
        }
        let mut entries: Vec<Value> = scored
            .iter_mut()
            .map(|s| s.entry(day, users as u32, devices as u32, &synced, rng))
            .collect();
        if let Some(first) = entries
            .iter()
            .find(|e| e["controlName"] == DUPLICATE_CONTROL)
            .cloned()
        {
            let mut dup = first;
            dup["score"] = 0.0.into();
            dup["scoreInPercentage"] = 0.0.into();
            dup["implementationStatus"] = "".into();
            let at = entries.len() - 7;
            entries.insert(at, dup);
        }
        let mut snapshot = json!({
            "id": format!("{MS_TENANT_ID}_{}", date.format("%Y-%m-%d")),
            "azureTenantId": MS_TENANT_ID,
            "activeUserCount": users - 2 + rng.below(3) as i64,
            "createdDateTime": iso(created),
            "currentScore": 0.0,
            "enabledServices": services,
            "licensedUserCount": 30,
            "maxScore": round2(max_total),
            "averageComparativeScores": [
                {
                    "basis": "AllTenants",
                    "averageScore": round2(41.5 + rng.unit()),
                    "appsScore": round2(58.0 + rng.unit()),
                    "dataScore": round2(12.0 + rng.unit()),
                    "deviceScore": round2(37.0 + rng.unit()),
                    "identityScore": round2(64.0 + rng.unit()),
                    "infrastructureScore": 0.0,
                },
                {
                    "basis": "TotalSeats",
                    "averageScore": round2(38.0 + rng.unit()),
                    "appsScore": round2(55.0 + rng.unit()),
                    "dataScore": round2(10.0 + rng.unit()),
                    "deviceScore": round2(33.0 + rng.unit()),
                    "identityScore": round2(61.0 + rng.unit()),
                    "infrastructureScore": 0.0,
                    "seatSizeRangeLowerValue": "6",
                    "seatSizeRangeUpperValue": "50",
                },
            ],
            "controlScores": entries,
            "vendorInformation": vendor(),
        });
        snapshot["currentScore"] = sum_scores(&snapshot).into();
        out.push(snapshot);
    }
    // Not sorted by date: a scrambled but fixed order, the newest neither first nor last.
    rng.shuffle(&mut out);
    let newest_at = out.iter().position(|s| {
        s["id"]
            .as_str()
            .is_some_and(|id| id.ends_with(&newest.format("%Y-%m-%d").to_string()))
    });
    if let Some(i) = newest_at
        && (i == 0 || i + 1 == out.len())
    {
        let j = out.len() / 3;
        out.swap(i, j);
    }
    out
}

/// Every profile's `maxScore` as a number (strings parsed), by id.
pub fn profile_max(profiles: &[Value]) -> HashMap<String, f64> {
    profiles
        .iter()
        .filter_map(|p| {
            let max = match &p["maxScore"] {
                Value::String(s) => s.trim().parse().ok(),
                v => v.as_f64(),
            }?;
            Some((p["id"].as_str()?.to_string(), max))
        })
        .collect()
}
