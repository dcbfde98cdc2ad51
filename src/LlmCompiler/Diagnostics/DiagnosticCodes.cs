namespace LlmCompiler.Diagnostics;

/// <summary>
/// The run-time codes by name, so "find references" shows where each rule fires and a typo fails the build.
/// Each constant is a row of <see cref="DiagnosticCatalog"/> (a test keeps the two in step).
/// </summary>
public static class DiagnosticCodes
{
    public const string RepositoryNotUsable = "E200";
    public const string DirtyTree = "E201";
    public const string LockHeld = "E202";
    public const string VerifyExemptRefused = "E203";
    public const string PreconditionFalse = "E204";
    public const string WriteOutsideScope = "E205";
    public const string PathEscape = "E206";
    public const string StaleBaseHash = "E207";
    public const string WriteFailed = "E208";
    public const string VerifyFailed = "E209";
    public const string PostconditionMissing = "E210";
    public const string AcceptanceFailed = "E211";
    public const string AttemptsExhausted = "E212";
    public const string NotLanded = "E213";
    public const string ProposalInvalid = "E214";
    public const string InternalError = "E215";
    public const string Cancelled = "E216";
    public const string SandboxUnavailable = "E217";
    public const string ChangedOutsideWorktree = "E218";
    public const string LandedWorkMismatch = "E219";
    public const string RunningUnsandboxed = "W217";
    public const string OutputCapped = "W218";
    public const string UntrustedTrailer = "W219";

    public const string NoCredentials = "E300";
    public const string TransportFailed = "E301";
    public const string Truncated = "E302";
    public const string Unparseable = "E303";
    public const string Refused = "E304";
    public const string CassetteMiss = "E305";
    public const string BudgetExhausted = "E306";
    public const string ResponseTooLarge = "E307";
    public const string CallDeadline = "E308";
    public const string CassetteInvalid = "E309";

    public const string InvalidSetting = "E500";
    public const string InputUnreadable = "E501";
}
