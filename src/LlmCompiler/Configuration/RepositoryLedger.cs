using LlmCompiler.Diagnostics;
using LlmCompiler.Git;

namespace LlmCompiler.Configuration;

/// <summary>
/// The cost ledger of a repository: <c>.llmc/ledger.jsonl</c>, shared by every plan and factory run, CLI or
/// MSBuild. The session creates the file before its first call (to fail early when it cannot be written), so
/// <c>.llmc/</c> is excluded from git first: a crash between the two must not leave an untracked file behind.
/// </summary>
public static class RepositoryLedger
{
    /// <summary>
    /// The ledger path of <paramref name="repoRoot"/> once <c>.llmc/</c> is excluded from git and proven to be a real
    /// folder (a committed <c>.llmc</c> link would send every ledger line elsewhere), or the E200 that says why not.
    /// </summary>
    public static async Task<(string? Path, Diagnostic? Error)> PrepareAsync(string repoRoot, CancellationToken cancellationToken)
    {
        var ledger = IO.RepositoryLayout.LedgerPathOf(repoRoot);
        try
        {
            IO.SafeFile.EnsureNoLinksBelow(repoRoot, ledger);
            await GitExclude.EnsureArtifactsExcludedAsync(new GitCli(), repoRoot, cancellationToken).ConfigureAwait(false);
            return (ledger, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, $"cannot prepare the cost ledger in '{repoRoot}': {ex.Message}"));
        }
    }
}
