using TaskManager.Features.Imports.GetImport;
using TaskManager.Features.Imports.GetImportErrors;
using TaskManager.Features.Imports.UploadCsv;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;

namespace TaskManager.Features.Imports;

public static class ImportsEndpoints
{
    public static void MapImports(this IEndpointRouteBuilder app)
    {
        var upload = app.MapGroup("/api").WithTags("Imports").RequireAuthorization(Policies.User);
        upload.MapUploadCsv();

        // Uploader or admin: decided per import in each handler's SQL.
        var imports = app.MapGroup("/api/imports").WithTags("Imports").RequireAuthorization(Policies.User).WithValidation();
        imports.MapGetImport();
        imports.MapGetImportErrors();
    }
}
