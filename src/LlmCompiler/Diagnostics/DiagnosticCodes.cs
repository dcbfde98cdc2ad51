namespace LlmCompiler.Diagnostics;

/// <summary>
/// Every diagnostic code by name, so "find references" shows where each rule fires and a typo fails the build.
/// Each constant is a row of <see cref="DiagnosticCatalog"/> (a test keeps the two in step).
/// </summary>
public static class DiagnosticCodes
{
    public const string MalformedDocument = "E000";
    public const string BadWorkOrderId = "E001";
    public const string ShellOperator = "E003";
    public const string GlobInFileList = "E004";
    public const string SchemaViolation = "E005";
    public const string PythonSyntaxError = "E006";
    public const string UntokenisableCommand = "E007";
    public const string PythonChecksSkipped = "I006";

    public const string PreconditionCannotHold = "E101";
    public const string ContradictoryPreconditions = "E102";
    public const string PostconditionOutsideScope = "E103";
    public const string AllowedFileWithoutPostcondition = "E104";
    public const string VerifyCommandAsAcceptance = "E105";
    public const string VerifyContractUnsatisfied = "E106";
    public const string UnknownDependency = "E107";
    public const string DependencyNotEarlier = "E108";
    public const string ConcurrentWrites = "E109";
    public const string ConcurrentRead = "E110";
    public const string PreconditionFromNonAncestor = "E111";
    public const string TestInAllowedFiles = "E112";
    public const string AcceptanceFileNeverCreated = "W101";
    public const string UnknownProperty = "W102";
    public const string DependencyImplied = "W103";
    public const string EditedAfterLanding = "W104";
    public const string ContextFileNeverExists = "W105";

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
    public const string NotRed = "E220";
    public const string RedForWrongReason = "E221";
    public const string FrozenTestWrite = "E222";
    public const string FrozenTestChanged = "E223";
    public const string FrozenTestNotGreen = "E224";
    public const string Flaky = "E225";
    public const string ConfigUnreadable = "E226";
    public const string ConfigInvalid = "E227";
    public const string ReviewBlocked = "E228";
    public const string TooManyFailedAttempts = "E229";
    public const string TooManyFailedWorkOrders = "E230";
    public const string TooManyTransportFailures = "E231";
    public const string SystemicFailure = "E232";
    public const string StoppedByHealth = "E233";
    public const string BaselineFailures = "W220";
    public const string ReviewSkipped = "W226";
    public const string ReviewFailed = "W227";
    public const string ReviewFinding = "W228";
    public const string NoEscalationRole = "W229";
    public const string IntegrationFailed = "E240";
    public const string DependencyNotLanded = "E241";
    public const string KeptWorkUnusable = "E242";
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

    public const string OutputDirectoryNotEmpty = "E400";
    public const string TemplateInvalid = "E401";
    public const string PlanStillInvalid = "E402";

    public const string InvalidSetting = "E500";
    public const string InputUnreadable = "E501";
    public const string TaskHostUnavailable = "E502";
    public const string OutOfProcessVerifierFailed = "E503";
}
