namespace LlmCompiler.Contracts;

/// <summary>
/// The repository's global check: <see cref="Command"/> runs (as argv, no shell) after every work order that
/// is not verify-exempt, once every <see cref="Requires"/> condition can hold.
/// </summary>
public sealed record VerifyContract
{
    public string Command { get; init; } = "";
    public IReadOnlyList<Condition> Requires { get; init; } = [];
}
