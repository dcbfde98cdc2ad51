using LlmCompiler.IO;

namespace LlmCompiler.Tests;

[TestClass]
public static class AssemblyHooks
{
    private static string? s_cache;

    /// <summary>
    /// Attempt worktrees and scratch folders live in the tool's cache folder; tests get a private one, deleted at the
    /// end, so thousands of throw-away repositories leave nothing in the home folder.
    /// </summary>
    [AssemblyInitialize]
    public static void UsePrivateCacheFolder(TestContext _)
    {
        s_cache = Path.Combine(Path.GetTempPath(), "llmc-test-cache-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(s_cache);
        Environment.SetEnvironmentVariable(RepositoryLayout.CacheVariable, s_cache);
    }

    [AssemblyCleanup]
    public static void DeleteCacheFolder()
    {
        if (s_cache is null) return;
        try { Directory.Delete(s_cache, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
