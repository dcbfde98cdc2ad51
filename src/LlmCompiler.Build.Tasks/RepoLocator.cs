namespace LlmCompiler.Build.Tasks;

/// <summary>Finds the repository a project belongs to: <c>$(LlmcRepoRoot)</c> when set, else the git top level.</summary>
internal static class RepoLocator
{
    /// <summary>The git top level above <paramref name="directory"/>, or the reason there is none.</summary>
    public static (string? Root, string? Error) Find(string? explicitRoot, string directory, CancellationToken cancellationToken)
    {
        var probe = string.IsNullOrWhiteSpace(explicitRoot) ? directory : explicitRoot!;
        if (!Directory.Exists(probe)) return (null, $"repository root '{probe}' does not exist");
        var topLevel = GitCommand.Run(probe, ["rev-parse", "--show-toplevel"], cancellationToken);
        return topLevel.Success
            ? (Path.GetFullPath(topLevel.StandardOutput.Trim()), null)
            : (null, $"'{probe}' is not inside a git repository: {topLevel.StandardError.Split('\n', 2)[0].Trim()}");
    }
}
