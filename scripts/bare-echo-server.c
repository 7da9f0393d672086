/* A bare echo server for `bakeoff serve echo`'s protocol, to measure the
 * server's cost against: one thread, epoll, non-blocking sockets, no
 * delay, no runtime. A request is a 4-byte little-endian length and that
 * many bytes; the reply is the same frame. It prints the ready line
 * `bakeoff serve: echo listening on 127.0.0.1:PORT` and stops when its
 * stdin closes, like `bakeoff serve`. Used by scripts/server-capacity.sh:
 *
 *   gcc -O2 -o bare-echo-server scripts/bare-echo-server.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FRAME (64u << 20)

struct conn {
    int fd;
    unsigned char *buf; /* input not yet answered */
    size_t len, cap;
};

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* close() takes the socket out of the epoll set too. */
static void drop(struct conn *c) {
    close(c->fd);
    free(c->buf);
    free(c);
}

/* Writes all of buf (blocking briefly on a full socket buffer). */
static int write_all(int fd, const unsigned char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EAGAIN) {
            struct epoll_event ev = {.events = EPOLLOUT};
            int ep = epoll_create1(0);
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            epoll_wait(ep, &ev, 1, 1000);
            close(ep);
            continue;
        }
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads what is there; answers every whole frame. 0: keep, -1: close. */
static int serve(struct conn *c) {
    for (;;) {
        if (c->cap - c->len < 65536) {
            c->cap = c->cap ? c->cap * 2 : 65536;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf)
                die("realloc");
        }
        ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (r == 0)
            return -1;
        if (r < 0)
            return errno == EAGAIN ? 0 : -1;
        c->len += (size_t)r;
        size_t at = 0;
        while (c->len - at >= 4) {
            uint32_t n = (uint32_t)c->buf[at] | (uint32_t)c->buf[at + 1] << 8 |
                         (uint32_t)c->buf[at + 2] << 16 | (uint32_t)c->buf[at + 3] << 24;
            if (n > MAX_FRAME)
                return -1;
            if (c->len - at < 4 + (size_t)n)
                break;
            if (write_all(c->fd, c->buf + at, 4 + (size_t)n) < 0)
                return -1;
            at += 4 + (size_t)n;
        }
        memmove(c->buf, c->buf + at, c->len - at);
        c->len -= at;
    }
}

int main(void) {
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (ls < 0)
        die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 8192) < 0)
        die("bind/listen");
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("bakeoff serve: echo listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct conn stdin_mark;
    ev.data.ptr = &stdin_mark;
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);

    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == &stdin_mark) {
                char b[512];
                if (read(0, b, sizeof b) <= 0)
                    return 0;
            } else if (c == NULL) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
            } else if (serve(c) < 0) {
                drop(c);
            }
        }
    }
}
