using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Zones.Api.Infrastructure;

/// <summary>Response metadata for the OpenAPI document (docs/api.md lists the same codes per endpoint; ApiContractTests
/// keeps the two equal).</summary>
public static class OpenApiMetadata
{
    public const string Json = "application/json";
    public const string Multipart = "multipart/form-data";

    public static readonly IProducesResponseTypeMetadata Unauthorized = Error(StatusCodes.Status401Unauthorized);

    /// <summary>The answers every endpoint can give whatever it does, declared once for all of them (at the end of
    /// every endpoint's conventions, so only codes an endpoint did not declare itself are added):
    /// 429 (the general per-IP limit covers every route), 500 and 503; 401 where a token is required; and for a
    /// body read by <see cref="JsonBody"/> or an upload, 400 (malformed), 413 (too large) and 415 (wrong type).</summary>
    public static TBuilder WithStandardResponses<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            var declared = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            void Add(int status)
            {
                if (declared.Add(status))
                {
                    endpoint.Metadata.Add(Error(status));
                }
            }

            if (endpoint.Metadata.OfType<IAcceptsMetadata>().Any(a => a.ContentTypes.Contains(Json) || a.ContentTypes.Contains(Multipart)))
            {
                Add(StatusCodes.Status400BadRequest);
                Add(StatusCodes.Status413PayloadTooLarge);
                Add(StatusCodes.Status415UnsupportedMediaType);
            }

            if (endpoint.Metadata.OfType<IAuthorizeData>().Any() && !endpoint.Metadata.OfType<IAllowAnonymous>().Any())
            {
                Add(StatusCodes.Status401Unauthorized);
            }

            Add(StatusCodes.Status429TooManyRequests);
            Add(StatusCodes.Status500InternalServerError);
            Add(StatusCodes.Status503ServiceUnavailable);
        });
        return builder;
    }

    /// <summary>The name of the bearer-token security scheme in the OpenAPI document.</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>Declares the JWT bearer scheme and marks every operation that needs a token with it, so that
    /// clients and the Development reference page know where the token goes.</summary>
    public static OpenApiOptions AddBearerSecurity(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "The accessToken from POST /api/v1/auth/login, /register or /refresh",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
                });
            }

            return Task.CompletedTask;
        });
        return options;
    }

    private static ProducesResponseTypeMetadata Error(int status) => new(status, typeof(ErrorEnvelope), [Json]);
}
