/** ingress-nginx settings of the public API host. */

/**
 * Response headers set on every answer through the `custom-headers` annotation. ingress-nginx
 * (>= 1.10) only sets headers listed in its `global-allowed-response-headers`: see the README.
 */
export const securityHeaders: Record<string, string> = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
};

export function ingressAnnotations(args: { clusterIssuer: string; rateLimitRps: number; headersConfigMap: string }): Record<string, string> {
    return {
        // cert-manager's ingress-shim issues the certificate into the TLS secret named in spec.tls.
        "cert-manager.io/cluster-issuer": args.clusterIssuer,
        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
        // Per client IP; bursts up to 5x are queued rather than rejected (limit-burst-multiplier).
        "nginx.ingress.kubernetes.io/limit-rps": String(args.rateLimitRps),
        "nginx.ingress.kubernetes.io/limit-burst-multiplier": "5",
        "nginx.ingress.kubernetes.io/proxy-body-size": "1m",
        "nginx.ingress.kubernetes.io/custom-headers": args.headersConfigMap,
    };
}
